package io.caucus.chaos;

import io.caucus.sim.linearizability.OpKind;
import io.caucus.sim.linearizability.Operation;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.BooleanSupplier;
import java.util.function.Function;
import javax.net.ssl.SSLContext;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.Protocol;
import redis.clients.jedis.commands.ProtocolCommand;
import redis.clients.jedis.exceptions.JedisConnectionException;
import redis.clients.jedis.exceptions.JedisDataException;
import redis.clients.jedis.exceptions.JedisException;

/**
 * One client thread's workload, each operation through a node picked at random and recorded with its outcome:
 * get, set and compare-and-set on the register keys; get and append on the append keys; INCR, GET and a
 * WATCHed increment ({@code WATCH; GET; MULTI; SET; EXEC}) on the counter keys; {@code MULTI; INCR; INCR; EXEC}
 * on the pair and {@code MULTI; DECRBY; INCRBY; EXEC} transfers between the accounts, each group read whole by
 * MGET or by GETs in one MULTI.
 *
 * <p>Outcomes follow what the client can know (DESIGN: "an outcome that is not known is reported as unknown,
 * never as failed"): a connection that cannot be opened means the request was never sent (no operation is
 * recorded); an error reply is mapped by its code (caucus-kv's {@code ErrorCodes}: UNKNOWN and SESSIONEXPIRED
 * mean maybe applied, every other code means not applied); a timeout or lost connection after sending a write
 * means maybe applied. Values are unique per operation ({@code c<client>.<n>}), so a read names its writer.
 * A transaction is one operation: a failure before its EXEC is sent is FAILED (the queue lives on the
 * connection, which is then dropped); EXEC's reply or error is classified as any write's; a null array (a
 * WATCHed key changed) is FAILED.
 */
final class ChaosClient implements Runnable {

    private static final ProtocolCommand CAS = () -> "CAS".getBytes(StandardCharsets.US_ASCII);

    private final int id;
    private final ChaosHistory history;
    private final List<String> nodes;
    private final Function<String, InetSocketAddress> addressOf;
    /** TLS to the client ports, or null for plaintext. */
    private final SSLContext tls;
    private final ChaosOptions options;
    private final Random random;
    private final BooleanSupplier stop;
    private final int socketTimeoutMillis;
    private final Map<String, Jedis> connections = new HashMap<>();
    /** The last value this client saw per register key: the expected value of its next CAS there. */
    private final Map<String, String> lastSeen = new HashMap<>();
    private long sequence;

    ChaosClient(int id, ChaosHistory history, List<String> nodes, Function<String, InetSocketAddress> addressOf,
                SSLContext tls, ChaosOptions options, BooleanSupplier stop) {
        this.id = id;
        this.history = history;
        this.nodes = List.copyOf(nodes);
        this.addressOf = addressOf;
        this.tls = tls;
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
        int workload = random.nextInt(100);
        if (workload < 30) {
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
        } else if (workload < 50) {
            String key = options.appendKeys().get(random.nextInt(options.appendKeys().size()));
            if (random.nextInt(10) < 6) {
                append(jedis, node, key);
            } else {
                get(jedis, node, key);
            }
        } else if (workload < 65) {
            String key = options.counterKeys().get(random.nextInt(options.counterKeys().size()));
            int dice = random.nextInt(4);
            if (dice < 2) {
                incr(jedis, node, key);
            } else if (dice < 3) {
                readCounters(jedis, node, List.of(key), CounterOp.Kind.GET);
            } else {
                watchedIncr(jedis, node, key);
            }
        } else if (workload < 80) {
            if (random.nextBoolean()) {
                transaction(jedis, node, CounterOp.Kind.INCR_BOTH, options.pairKeys(), 0,
                        List.of(command(Protocol.Command.INCR, options.pairKeys().get(0)),
                                command(Protocol.Command.INCR, options.pairKeys().get(1))));
            } else {
                readCounters(jedis, node, options.pairKeys(),
                        random.nextBoolean() ? CounterOp.Kind.MGET : CounterOp.Kind.MULTI_GET);
            }
        } else {
            if (random.nextBoolean()) {
                transfer(jedis, node);
            } else {
                readCounters(jedis, node, options.accountKeys(),
                        random.nextBoolean() ? CounterOp.Kind.MGET : CounterOp.Kind.MULTI_GET);
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

    private void incr(Jedis jedis, String node, String key) {
        long op = history.invokeCounter(id, node, CounterOp.Kind.INCR, List.of(key), 0);
        try {
            Object reply = jedis.sendCommand(Protocol.Command.INCR, bytes(key));
            history.okCounter(op, Collections.singletonList(text(reply)));
        } catch (JedisException e) {
            fail(op, node, e, true);
        }
    }

    /** {@code MULTI; DECRBY from n; INCRBY to n; EXEC} between two different accounts, n in 1..9. */
    private void transfer(Jedis jedis, String node) {
        List<String> accounts = options.accountKeys();
        int from = random.nextInt(accounts.size());
        int to = (from + 1 + random.nextInt(accounts.size() - 1)) % accounts.size();
        long amount = 1 + random.nextInt(9);
        transaction(jedis, node, CounterOp.Kind.TRANSFER, List.of(accounts.get(from), accounts.get(to)), amount,
                List.of(command(Protocol.Command.DECRBY, accounts.get(from), Long.toString(amount)),
                        command(Protocol.Command.INCRBY, accounts.get(to), Long.toString(amount))));
    }

    /**
     * {@code WATCH key; GET key} (recorded as a GET of the key), then {@code MULTI; SET key g+1; EXEC}: an
     * increment that only applies if nothing changed the key since the WATCH. A failure before the MULTI
     * drops the connection, so no WATCH is left behind for a later transaction of this client.
     */
    private void watchedIncr(Jedis jedis, String node, String key) {
        long read = history.invokeCounter(id, node, CounterOp.Kind.GET, List.of(key), 0);
        String value;
        try {
            jedis.sendCommand(Protocol.Command.WATCH, bytes(key));
            value = text(jedis.sendCommand(Protocol.Command.GET, bytes(key)));
            history.okCounter(read, Collections.singletonList(value));
        } catch (JedisException e) {
            history.failed(read, String.valueOf(e.getMessage())); // a read: nothing to apply either way
            dropConnection(node);
            return;
        }
        long next;
        try {
            next = (value == null ? 0 : Long.parseLong(value)) + 1;
        } catch (NumberFormatException e) {
            dropConnection(node); // not a counter: the check reports the read; nothing else to do
            return;
        }
        transaction(jedis, node, CounterOp.Kind.WATCHED_INCR, List.of(key), next,
                List.of(command(Protocol.Command.SET, key, Long.toString(next))));
    }

    /** A read of several counter keys at once: one GET, one MGET, or GETs in one MULTI. */
    private void readCounters(Jedis jedis, String node, List<String> keys, CounterOp.Kind kind) {
        switch (kind) {
            case GET -> {
                long op = history.invokeCounter(id, node, kind, keys, 0);
                try {
                    Object reply = jedis.sendCommand(Protocol.Command.GET, bytes(keys.get(0)));
                    history.okCounter(op, Collections.singletonList(text(reply)));
                } catch (JedisException e) {
                    fail(op, node, e, false);
                }
            }
            case MGET -> {
                long op = history.invokeCounter(id, node, kind, keys, 0);
                try {
                    Object reply = jedis.sendCommand(Protocol.Command.MGET,
                            keys.stream().map(ChaosClient::bytes).toArray(byte[][]::new));
                    history.okCounter(op, elements(reply));
                } catch (JedisException e) {
                    fail(op, node, e, false);
                }
            }
            case MULTI_GET -> transaction(jedis, node, kind, keys, 0,
                    keys.stream().map(key -> command(Protocol.Command.GET, key)).toList());
            default -> throw new IllegalArgumentException(kind + " is not a read");
        }
    }

    /**
     * {@code MULTI}, the commands, {@code EXEC}, recorded as one operation. Until EXEC is sent nothing can
     * apply (the queue lives on the connection), so a failure before it is FAILED and the connection is
     * dropped (which discards the queue); EXEC's own failure is classified as any write's; a null array (a
     * WATCHed key changed) means nothing applied.
     */
    private void transaction(Jedis jedis, String node, CounterOp.Kind kind, List<String> keys, long argument,
                             List<Queued> commands) {
        long op = history.invokeCounter(id, node, kind, keys, argument);
        boolean execSent = false;
        try {
            jedis.sendCommand(Protocol.Command.MULTI);
            for (Queued command : commands) {
                jedis.sendCommand(command.name(), command.arguments()); // QUEUED, or an error: thrown
            }
            execSent = true;
            Object reply = jedis.sendCommand(Protocol.Command.EXEC);
            if (reply == null) {
                history.failed(op, "EXEC answered a null array: a WATCHed key changed, nothing was applied");
                return;
            }
            List<String> elements = elements(reply);
            if (elements.size() != keys.size()) {
                // Not the reply of this transaction: the connection is out of step; what applied is unknown.
                dropConnection(node);
                failOrUnknown(op, kind.isWrite(), "EXEC answered " + elements.size() + " elements: " + elements);
                return;
            }
            history.okCounter(op, elements);
        } catch (JedisException e) {
            if (execSent) {
                fail(op, node, e, kind.isWrite());
            } else {
                dropConnection(node);
                history.failed(op, "before EXEC was sent: " + e.getClass().getSimpleName() + ": " + e.getMessage());
            }
        }
    }

    private void failOrUnknown(long op, boolean write, String error) {
        if (write) {
            history.unknown(op, error);
        } else {
            history.failed(op, error);
        }
    }

    /** A command to queue inside MULTI. */
    private record Queued(Protocol.Command name, byte[][] arguments) {
    }

    private static Queued command(Protocol.Command name, String... arguments) {
        return new Queued(name, Arrays.stream(arguments).map(ChaosClient::bytes).toArray(byte[][]::new));
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    /** The reply elements of an MGET or EXEC, each as {@link #text}. */
    private static List<String> elements(Object reply) {
        if (!(reply instanceof List<?> list)) {
            throw new JedisDataException("ERR expected an array, got " + text(reply));
        }
        List<String> elements = new ArrayList<>(list.size());
        list.forEach(element -> elements.add(text(element)));
        return elements;
    }

    /** A reply as text: a bulk or status string, an integer, null (nil), or {@code (error) ...}. */
    private static String text(Object reply) {
        return switch (reply) {
            case null -> null;
            case byte[] bulk -> new String(bulk, StandardCharsets.UTF_8);
            case Long number -> Long.toString(number);
            case JedisDataException error -> "(error) " + error.getMessage();
            case List<?> list -> list.stream().map(ChaosClient::text).toList().toString();
            default -> String.valueOf(reply);
        };
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
                    ChaosCluster.jedisConfig(tls).connectionTimeoutMillis(2000)
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
