package io.caucus.chaos;

import io.caucus.sim.linearizability.OpKind;
import io.caucus.sim.linearizability.Operation;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.BooleanSupplier;
import java.util.function.Function;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.commands.ProtocolCommand;
import redis.clients.jedis.exceptions.JedisConnectionException;
import redis.clients.jedis.exceptions.JedisDataException;
import redis.clients.jedis.exceptions.JedisException;

/**
 * One client thread's workload: get, set and compare-and-set on the register keys, get and append on the append
 * keys, each through a node picked at random, every operation recorded with its outcome.
 *
 * <p>Outcomes follow what the client can know (DESIGN: "an outcome that is not known is reported as unknown,
 * never as failed"): a connection that cannot be opened means the request was never sent (no operation is
 * recorded); an error reply is mapped by its code (caucus-kv's {@code ErrorCodes}: UNKNOWN and SESSIONEXPIRED
 * mean maybe applied, every other code means not applied); a timeout or lost connection after sending a write
 * means maybe applied. Values are unique per operation ({@code c<client>.<n>}), so a read names its writer.
 */
final class ChaosClient implements Runnable {

    private static final ProtocolCommand CAS = () -> "CAS".getBytes(StandardCharsets.US_ASCII);

    private final int id;
    private final ChaosHistory history;
    private final List<String> nodes;
    private final Function<String, InetSocketAddress> addressOf;
    private final ChaosOptions options;
    private final Random random;
    private final BooleanSupplier stop;
    private final int socketTimeoutMillis;
    private final Map<String, Jedis> connections = new HashMap<>();
    /** The last value this client saw per register key: the expected value of its next CAS there. */
    private final Map<String, String> lastSeen = new HashMap<>();
    private long sequence;

    ChaosClient(int id, ChaosHistory history, List<String> nodes, Function<String, InetSocketAddress> addressOf,
                ChaosOptions options, BooleanSupplier stop) {
        this.id = id;
        this.history = history;
        this.nodes = List.copyOf(nodes);
        this.addressOf = addressOf;
        this.options = options;
        this.random = new Random(options.seed() * 1_000_003L + id);
        this.stop = stop;
        // Longer than the server's own deadline, so a slow command normally ends in its UNKNOWN reply.
        this.socketTimeoutMillis = (int) (2 * options.requestTimeoutMillis() + 2000);
    }

    @Override
    public void run() {
        try {
            while (!stop.getAsBoolean()) {
                runOne();
            }
        } finally {
            connections.values().forEach(ChaosClient::closeQuietly);
        }
    }

    private void runOne() {
        String node = nodes.get(random.nextInt(nodes.size()));
        Jedis jedis = connect(node);
        if (jedis == null) {
            pause(50); // the node is down or paused: the request was never sent, nothing to record
            return;
        }
        boolean appendKey = random.nextInt(10) < 4;
        if (appendKey) {
            String key = options.appendKeys().get(random.nextInt(options.appendKeys().size()));
            if (random.nextInt(10) < 6) {
                append(jedis, node, key);
            } else {
                get(jedis, node, key);
            }
        } else {
            String key = options.registerKeys().get(random.nextInt(options.registerKeys().size()));
            int dice = random.nextInt(10);
            String expected = lastSeen.get(key);
            if (dice < 4) {
                get(jedis, node, key);
            } else if (dice < 7 || expected == null) {
                set(jedis, node, key);
            } else {
                cas(jedis, node, key, expected);
            }
        }
    }

    private void get(Jedis jedis, String node, String key) {
        long op = history.invoke(id, node, OpKind.GET, key, null, null);
        try {
            String value = jedis.get(key);
            history.ok(op, value);
            lastSeen.put(key, value);
        } catch (JedisException e) {
            // A read changes nothing: FAILED and UNKNOWN are equivalent for it; say what the client knows.
            fail(op, node, e, false);
        }
    }

    private void set(Jedis jedis, String node, String key) {
        String value = nextValue();
        long op = history.invoke(id, node, OpKind.PUT, key, value, null);
        try {
            jedis.set(key, value);
            history.ok(op, null);
            lastSeen.put(key, value);
        } catch (JedisException e) {
            fail(op, node, e, true);
        }
    }

    private void cas(Jedis jedis, String node, String key, String expected) {
        String value = nextValue();
        long op = history.invoke(id, node, OpKind.CAS, key, value, expected);
        try {
            Object reply = jedis.sendCommand(CAS, key.getBytes(StandardCharsets.UTF_8),
                    expected.getBytes(StandardCharsets.UTF_8), value.getBytes(StandardCharsets.UTF_8));
            boolean swapped = ((Long) reply) == 1L;
            history.ok(op, swapped ? Operation.SWAPPED : Operation.NOT_SWAPPED);
            if (swapped) {
                lastSeen.put(key, value);
            } else {
                lastSeen.remove(key);
            }
        } catch (JedisException e) {
            fail(op, node, e, true);
        }
    }

    private void append(Jedis jedis, String node, String key) {
        String suffix = nextValue() + ";";
        long op = history.invoke(id, node, OpKind.APPEND, key, suffix, null);
        try {
            jedis.append(key, suffix);
            history.ok(op, null);
        } catch (JedisException e) {
            fail(op, node, e, true);
        }
    }

    /**
     * Maps an exception to an outcome. An error reply's first word is caucus-kv's error code; anything else
     * (timeout, reset, closed) happened after the request was written, so a write's fate is unknown.
     */
    private void fail(long op, String node, JedisException e, boolean write) {
        String message = String.valueOf(e.getMessage());
        if (e instanceof JedisDataException) {
            String code = message.split(" ", 2)[0];
            if (!write || io.caucus.kv.command.ErrorCodes.notApplied(code)) {
                history.failed(op, message);
            } else {
                history.unknown(op, message);
            }
            if (io.caucus.kv.command.ErrorCodes.SESSIONEXPIRED.equals(code)) {
                dropConnection(node);
            }
            return;
        }
        dropConnection(node);
        if (write) {
            history.unknown(op, e.getClass().getSimpleName() + ": " + message);
        } else {
            history.failed(op, e.getClass().getSimpleName() + ": " + message);
        }
    }

    private String nextValue() {
        return "c" + id + "." + (++sequence);
    }

    /** An open connection to {@code node}, or null if none can be opened now. */
    private Jedis connect(String node) {
        Jedis jedis = connections.get(node);
        if (jedis != null && jedis.isConnected() && !jedis.isBroken()) {
            return jedis;
        }
        dropConnection(node);
        InetSocketAddress address = addressOf.apply(node);
        Jedis fresh = null;
        try {
            // The constructor may already connect (and send CLIENT SETINFO); either way no operation is sent yet.
            fresh = new Jedis(new HostAndPort(address.getHostString(), address.getPort()),
                    DefaultJedisClientConfig.builder().connectionTimeoutMillis(2000)
                            .socketTimeoutMillis(socketTimeoutMillis).build());
            fresh.connect();
            connections.put(node, fresh);
            return fresh;
        } catch (JedisException e) {
            if (fresh != null) {
                closeQuietly(fresh);
            }
            return null;
        }
    }

    private void dropConnection(String node) {
        Jedis old = connections.remove(node);
        if (old != null) {
            closeQuietly(old);
        }
    }

    private static void closeQuietly(Jedis jedis) {
        try {
            jedis.close();
        } catch (RuntimeException e) {
            // closing a broken connection: nothing left to do
        }
    }

    private static void pause(long millis) {
        try {
            Thread.sleep(millis); // back-off before trying another node, not a wait for a condition
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
