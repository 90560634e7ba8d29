"""constellation package of hgv-coverage."""
