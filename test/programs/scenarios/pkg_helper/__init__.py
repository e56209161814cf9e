"""Helper package for the imported_module.py scenario (its capture line is in builder.py)."""
