"""Reports: the generator, secret redaction and one module per output format."""
