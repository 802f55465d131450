#!/bin/sh
# Seeded fault: hitless_seed splits a live 2 MiB block of edu's table into 4 KiB pages in one write: BBM-SIZE at IOVA 0x1000000, nothing else.
exec "$(dirname "$0")/seed-check.sh" patched seed-bbm 1 BBM-SIZE 0x1000000
