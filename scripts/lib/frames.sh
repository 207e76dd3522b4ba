# Helpers for the viewer benchmarks that read the viewer's --stats files
# (bench-map.sh, bench-viewer-ownermap.sh). Source this file.

# median V…: the median of the values given.
median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END{print a[int((NR+1)/2)]}'; }

# stats_samples FILE KEY: one sample (µs) a line, of the list KEY in a --stats file.
stats_samples() { python3 -c "import json,sys; print('\n'.join(str(x) for x in json.load(open(sys.argv[1]))[sys.argv[2]]))" "$1" "$2"; }

# pooled_p99 FILE: the p99 of the samples in FILE (one a line), rank ceil(0.99 n).
pooled_p99() { sort -g "$1" | awk '{a[NR]=$1} END{i=int(NR*0.99); if (i<NR*0.99) i++; if (i<1) i=1; print a[i]}'; }
