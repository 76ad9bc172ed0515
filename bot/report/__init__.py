"""The nightly scope-drift report: snapshots of every use case and story, what drifted
since the previous snapshot (pure, `drift`), and where it is published (`publish`)."""
