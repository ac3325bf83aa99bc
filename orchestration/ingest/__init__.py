"""Landing: the contract, loading landing files into raw, validating them, and the report."""
