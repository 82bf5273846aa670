"""Polls (网络投票) and surveys (网络调研) for verified residents."""
