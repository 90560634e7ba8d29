"""hgv_models package of hgv-coverage."""
