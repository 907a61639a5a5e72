"""Developer tools: the demo, the sample data generator, a local warehouse for demo and tests."""
