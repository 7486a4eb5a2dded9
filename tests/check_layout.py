#!/usr/bin/env python3
"""Checks the rooms' arrows (docs/design.md, "The map"): every #include "room/..." of a source
file points at its own room or a room below it, the rules the rooms add hold (the client knows
neither the node nor the store; tools/ and bench/ use nothing of the node but the
micro-benchmark), and no module (a .c/.cc with its .h) reaches itself through includes.
Prints each violation and exits 1 when there is one.
    python3 tests/check_layout.py [SOURCE_DIR]"""
import os
import re
import sys

# Rooms from the bottom up; a room may include only rooms at its rank or below (same rank:
# only itself).
ROOMS = [
    ('common', 0), ('proto', 1), ('crypto', 2), ('registry', 3), ('registry/import', 4),
    ('conf', 5), ('client', 6), ('qr', 6), ('resolver/core', 7), ('resolver/upstream', 8),
    ('resolver/query', 9), ('resolver/admin', 10), ('resolver/replication', 11),
    ('resolver/net', 12), ('resolver/http', 13), ('resolver/top', 14), ('tools', 15), ('bench', 15),
    ('bench/micro', 16),
]
RANK = dict(ROOMS)
RESOLVER_CORE = {'node', 'node_stats', 'node_counter', 'log', 'access_log', 'access_writer'}
# Arrows the order would allow but a room's own rule forbids.
FORBIDDEN = {
    'client': ('resolver/', 'registry', 'conf', 'tools', 'bench'),
    # QR codes are drawn from text alone: nothing of the protocol, the store or the node.
    'qr': ('proto', 'crypto', 'registry', 'conf', 'client', 'resolver/', 'tools', 'bench'),
    'tools': ('resolver/', 'bench'),
    'bench': ('resolver/', 'tools'),
    'bench/micro': ('tools',),
}
SOURCE_DIRS = ['common', 'proto', 'crypto', 'registry', 'conf', 'client', 'qr', 'resolver',
               'tools', 'bench']
INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"', re.M)


def room_of(path):
    d, base = os.path.split(path)
    mod = os.path.splitext(base)[0]
    if d == 'resolver':
        return 'resolver/core' if mod in RESOLVER_CORE else 'resolver/top'
    while d and d not in RANK:
        d = os.path.dirname(d)
    return d or None


def main():
    root = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), '..')
    os.chdir(root)
    files = []
    for top in SOURCE_DIRS:
        for d, _, names in os.walk(top):
            files += [os.path.join(d, n) for n in names if n.endswith(('.c', '.cc', '.h'))]
    known = set(files)
    bad = []
    edges = {}
    for f in sorted(files):
        src_room = room_of(f)
        mod = os.path.splitext(f)[0]
        for name in INCLUDE.findall(open(f, errors='replace').read()):
            if name not in known:
                if '/' not in name and os.path.exists(os.path.join(os.path.dirname(f), name)):
                    bad.append(f'{f}: includes "{name}" without its room')
                continue
            dst_room = room_of(name)
            if dst_room != src_room:
                if RANK[dst_room] >= RANK[src_room]:
                    bad.append(f'{f}: includes {name}, a room above or beside {src_room}')
                for prefix in FORBIDDEN.get(src_room, ()):
                    if dst_room.startswith(prefix):
                        bad.append(f'{f}: includes {name}, which {src_room} may not use')
            target = os.path.splitext(name)[0]
            if target != mod:
                edges.setdefault(mod, set()).add(target)
    bad += [f'include circle: {" -> ".join(c)}' for c in circles(edges)]
    for b in bad:
        print(b)
    print(f'{len(files)} files, {sum(len(v) for v in edges.values())} arrows: '
          f'{len(bad)} problem(s)')
    return 1 if bad else 0


def circles(edges):
    """Strongly connected components of more than one module (Tarjan, iterative)."""
    index, low, on, stack, out, counter = {}, {}, set(), [], [], [0]
    for start in sorted(edges):
        if start in index:
            continue
        work = [(start, iter(sorted(edges.get(start, ()))))]
        index[start] = low[start] = counter[0]
        counter[0] += 1
        stack.append(start)
        on.add(start)
        while work:
            v, it = work[-1]
            for w in it:
                if w not in index:
                    index[w] = low[w] = counter[0]
                    counter[0] += 1
                    stack.append(w)
                    on.add(w)
                    work.append((w, iter(sorted(edges.get(w, ())))))
                    break
                if w in on:
                    low[v] = min(low[v], index[w])
            else:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[v])
                if low[v] == index[v]:
                    comp = []
                    while True:
                        w = stack.pop()
                        on.discard(w)
                        comp.append(w)
                        if w == v:
                            break
                    if len(comp) > 1:
                        out.append(sorted(comp))
    return out


if __name__ == '__main__':
    sys.exit(main())
