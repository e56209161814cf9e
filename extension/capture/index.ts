/**
 * Capturing a paused Python program's heap over DAP (no `vscode` import). The extension calls
 * `captureOverDap` with a DapChannel over `session.customRequest('evaluate', …)`; the stepper
 * runs agent functions with `callAgentOverDap`. See docs/debugger-capture.md.
 */
export {
  captureOverDap,
  callAgentOverDap,
  type CaptureMeta,
  type DapAgentCallOptions,
  type DapAgentCallResult,
  type DapCaptureOptions,
  type DapCaptureResult,
} from './dapCapture';
export { DEFAULT_TIMEOUT_MS, type DapChannel, type HookRunOptions } from './hookRunner';
export {
  CaptureError,
  sessionEndedError,
  threadResumedError,
  type CaptureErrorCode,
} from './errors';
export {
  buildAgentCall,
  buildCaptureExpression,
  buildInstallExpression,
  type AgentCallOptions,
} from './agentExpression';
export { ChannelLock } from './channelLock';
