"""orbits package of hgv-coverage."""
