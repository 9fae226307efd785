"""Output formats: one module per format. Rich is imported only by the modules that draw."""
