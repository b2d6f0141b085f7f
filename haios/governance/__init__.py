"""GovernanceLayer: policy decisions, transition rules and the audit journal. Passive: it answers
calls and reacts to events; it never initiates.

Import the submodule you need: `policy` and `guards` are on the hook's hot path and import only
the standard library; `layer` (transitions, journaling) and `journal` are for the runtime.
"""
