/**
 * A module's stylesheet, imported for its effect (`import './stepper.css'`): esbuild bundles every
 * imported stylesheet into the page's CSS (scripts/build.mjs).
 */
declare module '*.css';
