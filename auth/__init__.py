"""Identity: the simulated NCA, EDS verification, the population registry, login and roles."""
