"""MemoryBridge: the only MCP client; learnings across sessions (see `MemoryBridgeAPI`)."""
