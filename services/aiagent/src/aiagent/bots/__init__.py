"""Each app's bot configuration (the brain, the LLM, the handoff options) and the workspace's AI limits."""
