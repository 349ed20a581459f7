"""The network stage: ground sites, laser links, routing and round trips, contact windows and handovers,
oversight, ingest, and the bandwidth inside a shell (docs/network.md)."""
