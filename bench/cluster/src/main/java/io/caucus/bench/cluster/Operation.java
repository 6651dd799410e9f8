package io.caucus.bench.cluster;

/** What a phase sends: SET/put or GET/range. */
enum Operation {
    WRITE, READ;

    String label() {
        return this == WRITE ? "write" : "read";
    }
}
