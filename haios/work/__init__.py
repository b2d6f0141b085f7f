"""WorkEngine: work items as WORK.md files (`engine`), their derived index (`index`), and the
text-level reading and writing (`files`, `model`). Import the submodule you need: the read path
loads only `index`."""
