# TAP for the shell tests (sourced): ok STATUS MSG (0 passes), check 'EXPR' MSG
# (eval'd), done (the plan, last).
n=0
ok() { n=$((n + 1)); if [ "$1" = 0 ]; then echo "ok $n - $2"; else echo "not ok $n - $2"; fi; }
check() { eval "$1"; ok $? "$2"; }
done_tap() { echo "1..$n"; }
