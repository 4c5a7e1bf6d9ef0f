#!/usr/bin/python3
"""No call cycle between the VMM's files: which object file calls which
(from the symbols each defines and uses, by nm), and any cycle in that
graph. Prints one TAP line; exit status 1 on a cycle.

    vmm-layers.py OBJDIR
"""
import dataclasses
import pathlib
import subprocess
import sys


@dataclasses.dataclass
class ObjectFile:
    path: str
    defines: set
    uses: set


def read_object(path):
    out = subprocess.run(["nm", str(path)], capture_output=True, text=True, check=True).stdout
    defines, uses = set(), set()
    for line in out.splitlines():
        fields = line.split()
        if len(fields) == 3 and fields[1] in "TDRB":
            defines.add(fields[2])
        elif len(fields) == 2 and fields[0] == "U":
            uses.add(fields[1])
    return ObjectFile(str(path), defines, uses)


def call_graph(objects):
    owner = {sym: o.path for o in objects for sym in o.defines}
    return {o.path: {owner[s] for s in o.uses if s in owner and owner[s] != o.path}
            for o in objects}


def find_cycle(graph):
    """one cycle as a list of files, or None (depth-first, colouring)"""
    state, stack = {}, []

    def visit(node):
        state[node] = "open"
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == "open":
                return stack[stack.index(nxt):] + [nxt]
            if nxt not in state:
                found = visit(nxt)
                if found:
                    return found
        stack.pop()
        state[node] = "done"
        return None

    for node in sorted(graph):
        if node not in state:
            found = visit(node)
            if found:
                return found
    return None


def main():
    if len(sys.argv) != 2:
        print("vmm-layers.py: usage: vmm-layers.py OBJDIR", file=sys.stderr)
        sys.exit(2)
    root = pathlib.Path(sys.argv[1])
    objects = [read_object(p) for p in sorted(root.rglob("*.o"))]
    if not objects:
        print(f"vmm-layers.py: no object files under {root}", file=sys.stderr)
        sys.exit(2)
    cycle = find_cycle(call_graph(objects))
    if cycle:
        names = " -> ".join(str(pathlib.Path(p).relative_to(root)) for p in cycle)
        print(f"not ok - hpv: a call cycle between files: {names}")
        sys.exit(1)
    print(f"ok - hpv: no call cycle between its {len(objects)} files")


if __name__ == "__main__":
    main()
