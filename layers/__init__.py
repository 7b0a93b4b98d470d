"""Park data in: manifest, readers, checks, analysis grid, covariates, effort and the demo park."""
