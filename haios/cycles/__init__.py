"""CycleRunner: phase-based workflows with gates checked by code (see `CycleRunnerAPI`)."""
