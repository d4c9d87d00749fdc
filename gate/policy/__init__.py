"""The policy: loading and validation (``load``), the model, and evaluation (``evaluate``)."""
