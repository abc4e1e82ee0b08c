"""Anonymization jobs over a list of files: a manifest that makes them resumable, and shards that
let many processes (`accelerate launch`, `torchrun`) share one job."""
