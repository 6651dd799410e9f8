package io.caucus.bench.cluster;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.KV;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * etcd through jetcd: one client (gRPC multiplexes every request over one HTTP/2 connection, the usual way
 * to use it); each benchmark client waits for its own request. Gets are linearizable (etcd's default), like
 * Caucus reads.
 */
record EtcdTarget(Client client, KV kv) implements LoadTarget {

    private static final long TIMEOUT_SECONDS = 10;

    EtcdTarget(List<String> endpoints) {
        this(Client.builder().endpoints(endpoints.stream().map(e -> "http://" + e).toArray(String[]::new)).build());
    }

    private EtcdTarget(Client client) {
        this(client, client.getKVClient());
    }

    @Override
    public Connection connect() {
        return new Connection() {
            @Override
            public void write(byte[] key, byte[] value) throws Exception {
                kv.put(ByteSequence.from(key), ByteSequence.from(value)).get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
            }

            @Override
            public void read(byte[] key) throws Exception {
                kv.get(ByteSequence.from(key)).get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
            }

            @Override
            public void close() {
            }
        };
    }

    @Override
    public void close() {
        client.close();
    }
}
