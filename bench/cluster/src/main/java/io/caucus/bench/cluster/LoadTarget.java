package io.caucus.bench.cluster;

import java.util.List;

/**
 * A system under load; each client thread opens its own {@link Connection}. Public so that the peers' load
 * generators (bench/peers) drive their systems through their own client APIs with the same phases.
 */
public interface LoadTarget extends AutoCloseable {

    /** One client's session: a blocking request at a time. */
    interface Connection extends AutoCloseable {
        /** Throws on any failure; the caller counts it as an error. */
        void write(byte[] key, byte[] value) throws Exception;

        void read(byte[] key) throws Exception;

        @Override
        void close();
    }

    /** Opens the target that serves the given endpoints (HOST:PORT each). */
    interface Factory {
        LoadTarget open(List<String> endpoints) throws Exception;
    }

    Connection connect();

    @Override
    void close();
}
