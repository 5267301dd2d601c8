"""Runs a command and reports its wall time and peak RSS as one JSON line on stderr (used by bench/drift.ts).

Usage: python3 bench/drift/measure.py OUT_FILE -- CMD [ARGS...]   (the command's stdout goes to OUT_FILE)
Peak RSS is ru_maxrss of the waited-for children (Linux: KiB), i.e. of the largest process the command ran.
"""
import json
import resource
import subprocess
import sys
import time

out_path = sys.argv[1]
cmd = sys.argv[sys.argv.index('--') + 1:]
with open(out_path, 'wb') as out:
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, stdout=out)
    seconds = time.perf_counter() - t0
usage = resource.getrusage(resource.RUSAGE_CHILDREN)
sys.stderr.write(json.dumps({'seconds': seconds, 'maxRssKiB': usage.ru_maxrss, 'code': proc.returncode}) + '\n')
sys.exit(0)
