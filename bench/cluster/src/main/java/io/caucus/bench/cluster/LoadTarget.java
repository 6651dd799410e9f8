package io.caucus.bench.cluster;

import java.util.List;

/** A system under load; each client thread opens its own {@link Connection}. */
sealed interface LoadTarget extends AutoCloseable permits RedisProtocolTarget, EtcdTarget {

    /** One client's session: a blocking request at a time. */
    interface Connection extends AutoCloseable {
        /** Throws on any failure; the caller counts it as an error. */
        void write(byte[] key, byte[] value) throws Exception;

        void read(byte[] key) throws Exception;

        @Override
        void close();
    }

    Connection connect();

    @Override
    void close();

    static LoadTarget open(SystemKind system, List<String> endpoints) {
        return switch (system) {
            case CAUCUS, REDIS -> new RedisProtocolTarget(endpoints);
            case ETCD -> new EtcdTarget(endpoints);
        };
    }
}
