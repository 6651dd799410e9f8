package io.caucus.bench.cluster;

/** The systems the benchmark compares; Caucus and redis-server both speak the Redis protocol. */
enum SystemKind {
    CAUCUS("caucus"), ETCD("etcd"), REDIS("redis");

    private final String label;

    SystemKind(String label) {
        this.label = label;
    }

    String label() {
        return label;
    }

    static SystemKind parse(String label) {
        for (SystemKind kind : values()) {
            if (kind.label.equals(label)) {
                return kind;
            }
        }
        ClusterBench.fail("unknown --system '" + label + "': expected caucus, etcd or redis");
        throw new AssertionError("unreachable");
    }
}
