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
import java.util.Optional;
import java.util.Random;
import java.util.function.BooleanSupplier;
import java.util.function.Function;
import java.util.function.Supplier;
import javax.net.ssl.SSLContext;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.Protocol;
import redis.clients.jedis.commands.ProtocolCommand;
import redis.clients.jedis.exceptions.JedisConnectionException;
import redis.clients.jedis.exceptions.JedisDataException;
import redis.clients.jedis.exceptions.JedisAskDataException;
import redis.clients.jedis.exceptions.JedisRedirectionException;
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
 *
 * <p>In a sharded cluster a node answers {@code -MOVED slot host:port} for a slot whose group another node leads; the
 * client then sends the operation once more, to that node (see {@link #send}), and records the outcome of that
 * second attempt as above: a second MOVED, or CLUSTERDOWN, is an error code, so not applied. {@code -ASK} (a slot
 * being moved, the key already in its new group) is followed the same way, with ASKING first. MOVED during MULTI is
 * followed after DISCARD; during a WATCHed increment's transaction it is not (the WATCH lives on the connection).
 */
final class ChaosClient implements Runnable {

    private static final ProtocolCommand CAS = () -> "CAS".getBytes(StandardCharsets.US_ASCII);

    private final int id;
    private final ChaosHistory history;
    /** The nodes to pick from, asked for each operation: a node removed from the cluster drops out. */
    private final Supplier<List<String>> nodes;
    private final Function<String, InetSocketAddress> addressOf;
    /** The node listening at an address a {@code -MOVED} reply names, if any. */
    private final Function<InetSocketAddress, Optional<String>> nodeAt;
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

    ChaosClient(int id, ChaosHistory history, Supplier<List<String>> nodes, Function<String, InetSocketAddress> addressOf,
                Function<InetSocketAddress, Optional<String>> nodeAt, SSLContext tls, ChaosOptions options,
                BooleanSupplier stop) {
        this.id = id;
        this.history = history;
        this.nodes = nodes;
        this.addressOf = addressOf;
        this.nodeAt = nodeAt;
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
        List<String> candidates = nodes.get();
        String node = candidates.get(random.nextInt(candidates.size()));
        Jedis jedis = connect(node);
        if (jedis == null) {
            pause(50); // the node is down or paused: the request was never sent, nothing to record
            return;
        }
        Target target = new Target(node, jedis);
        int workload = random.nextInt(100);
        if (workload < 30) {
            String key = options.registerKeys().get(random.nextInt(options.registerKeys().size()));
            int dice = random.nextInt(10);
            String expected = lastSeen.get(key);
            if (dice < 4) {
                get(target, key);
            } else if (dice < 7 || expected == null) {
                set(target, key);
            } else {
                cas(target, key, expected);
            }
        } else if (workload < 50) {
            String key = options.appendKeys().get(random.nextInt(options.appendKeys().size()));
            if (random.nextInt(10) < 6) {
                append(target, key);
            } else {
                get(target, key);
            }
        } else if (workload < 65) {
            String key = options.counterKeys().get(random.nextInt(options.counterKeys().size()));
            int dice = random.nextInt(4);
            if (dice < 2) {
                incr(target, key);
            } else if (dice < 3) {
                readCounters(target, List.of(key), CounterOp.Kind.GET);
            } else {
                watchedIncr(target, key);
            }
        } else if (workload < 80) {
            if (random.nextBoolean()) {
                transaction(target, CounterOp.Kind.INCR_BOTH, options.pairKeys(), 0,
                        List.of(command(Protocol.Command.INCR, options.pairKeys().get(0)),
                                command(Protocol.Command.INCR, options.pairKeys().get(1))));
            } else {
                readCounters(target, options.pairKeys(),
                        random.nextBoolean() ? CounterOp.Kind.MGET : CounterOp.Kind.MULTI_GET);
            }
        } else {
            if (random.nextBoolean()) {
                transfer(target);
            } else {
                readCounters(target, options.accountKeys(),
                        random.nextBoolean() ? CounterOp.Kind.MGET : CounterOp.Kind.MULTI_GET);
            }
        }
    }

    /** The node an attempt goes to and the connection it uses. */
    record Target(String node, Jedis jedis) {
    }

    /**
     * One attempt of an operation through one connection: sends its commands and records the outcome. A
     * {@code -MOVED} reply it throws before recording anything, for {@link #send} to follow; any other failure it
     * may record itself or throw for {@link #fail} to classify.
     */
    @FunctionalInterface
    private interface Attempt {
        void run(Target target);
    }

    /**
     * Runs {@code attempt} on {@code target}; if the node answers {@code -MOVED slot host:port} (Redis Cluster: the
     * slot's group is led elsewhere; the node did nothing), runs it once more on the node named there, through a new
     * or cached connection, as a Redis Cluster client does. The last attempt's failure is classified as any other
     * ({@link #fail}): a second MOVED, like CLUSTERDOWN and every error code but UNKNOWN and SESSIONEXPIRED, means not
     * applied. So the operation's interval spans both attempts, and the first changed nothing.
     */
    private void send(long op, Target target, boolean write, Attempt attempt) {
        try {
            attempt.run(target);
        } catch (JedisRedirectionException moved) {
            follow(op, moved, write, attempt);
        } catch (JedisException e) {
            fail(op, target.node(), e, write);
        }
    }

    private void follow(long op, JedisRedirectionException moved, boolean write, Attempt attempt) {
        HostAndPort named = moved.getTargetNode();
        Optional<String> node = nodeAt.apply(new InetSocketAddress(named.getHost(), named.getPort()));
        Jedis jedis = node.map(this::connect).orElse(null);
        if (jedis == null) {
            // The MOVED is the answer, and it means nothing was done; the node it names cannot be asked now.
            history.failed(op, moved.getMessage() + (node.isEmpty() ? " (no node of this cluster listens there)"
                    : " (" + node.get() + " cannot be reached)"));
            return;
        }
        history.redirected(op, node.get());
        Target next = new Target(node.get(), jedis);
        try {
            if (moved instanceof JedisAskDataException) {
                // -ASK: the slot is moving and the key is in its new group; ASKING sends the next command (or the
                // transaction) there, as a Redis Cluster client does.
                jedis.sendCommand(Protocol.Command.ASKING);
            }
            attempt.run(next);
        } catch (JedisException e) {
            fail(op, next.node(), e, write);
        }
    }

    void get(Target target, String key) {
        long op = history.invoke(id, target.node(), OpKind.GET, key, null, null);
        // A read changes nothing: FAILED and UNKNOWN are equivalent for it; fail says what the client knows.
        send(op, target, false, at -> {
            String value = at.jedis().get(key);
            history.ok(op, value);
            lastSeen.put(key, value);
        });
    }

    void set(Target target, String key) {
        String value = nextValue();
        long op = history.invoke(id, target.node(), OpKind.PUT, key, value, null);
        send(op, target, true, at -> {
            at.jedis().set(key, value);
            history.ok(op, null);
            lastSeen.put(key, value);
        });
    }

    private void cas(Target target, String key, String expected) {
        String value = nextValue();
        long op = history.invoke(id, target.node(), OpKind.CAS, key, value, expected);
        send(op, target, true, at -> {
            Object reply = at.jedis().sendCommand(CAS, key.getBytes(StandardCharsets.UTF_8),
                    expected.getBytes(StandardCharsets.UTF_8), value.getBytes(StandardCharsets.UTF_8));
            boolean swapped = ((Long) reply) == 1L;
            history.ok(op, swapped ? Operation.SWAPPED : Operation.NOT_SWAPPED);
            if (swapped) {
                lastSeen.put(key, value);
            } else {
                lastSeen.remove(key);
            }
        });
    }

    private void append(Target target, String key) {
        String suffix = nextValue() + ";";
        long op = history.invoke(id, target.node(), OpKind.APPEND, key, suffix, null);
        send(op, target, true, at -> {
            at.jedis().append(key, suffix);
            history.ok(op, null);
        });
    }

    private void incr(Target target, String key) {
        long op = history.invokeCounter(id, target.node(), CounterOp.Kind.INCR, List.of(key), 0);
        send(op, target, true, at -> {
            Object reply = at.jedis().sendCommand(Protocol.Command.INCR, bytes(key));
            history.okCounter(op, Collections.singletonList(text(reply)));
        });
    }

    /** {@code MULTI; DECRBY from n; INCRBY to n; EXEC} between two different accounts, n in 1..9. */
    void transfer(Target target) {
        List<String> accounts = options.accountKeys();
        int from = random.nextInt(accounts.size());
        int to = (from + 1 + random.nextInt(accounts.size() - 1)) % accounts.size();
        long amount = 1 + random.nextInt(9);
        transaction(target, CounterOp.Kind.TRANSFER, List.of(accounts.get(from), accounts.get(to)), amount,
                List.of(command(Protocol.Command.DECRBY, accounts.get(from), Long.toString(amount)),
                        command(Protocol.Command.INCRBY, accounts.get(to), Long.toString(amount))));
    }

    /** Where a WATCH took hold, and what the GET after it read. */
    private static final class Watched {
        Target at;
        String value;
    }

    /**
     * {@code WATCH key; GET key} (recorded as a GET of the key), then {@code MULTI; SET key g+1; EXEC}: an
     * increment that only applies if nothing changed the key since the WATCH. A failure before the MULTI
     * drops the connection, so no WATCH is left behind for a later transaction of this client. A MOVED answer to
     * the WATCH or the GET is followed (UNWATCH first); one to the transaction is not, since the WATCH lives on its
     * connection: it is recorded as any error code (not applied).
     */
    private void watchedIncr(Target target, String key) {
        long read = history.invokeCounter(id, target.node(), CounterOp.Kind.GET, List.of(key), 0);
        Watched watched = new Watched();
        send(read, target, false, at -> {
            try {
                at.jedis().sendCommand(Protocol.Command.WATCH, bytes(key));
                String value = text(at.jedis().sendCommand(Protocol.Command.GET, bytes(key)));
                history.okCounter(read, Collections.singletonList(value));
                watched.at = at;
                watched.value = value;
            } catch (JedisRedirectionException moved) {
                reset(at, Protocol.Command.UNWATCH); // the GET may have been moved after the WATCH took hold
                throw moved;
            } catch (JedisException e) {
                history.failed(read, String.valueOf(e.getMessage())); // a read: nothing to apply either way
                dropConnection(at.node());
            }
        });
        if (watched.at == null) {
            return;
        }
        long next;
        try {
            next = (watched.value == null ? 0 : Long.parseLong(watched.value)) + 1;
        } catch (NumberFormatException e) {
            dropConnection(watched.at.node()); // not a counter: the check reports the read; nothing else to do
            return;
        }
        Target at = watched.at;
        long op = history.invokeCounter(id, at.node(), CounterOp.Kind.WATCHED_INCR, List.of(key), next);
        try {
            runTransaction(op, at, CounterOp.Kind.WATCHED_INCR, List.of(key),
                    List.of(command(Protocol.Command.SET, key, Long.toString(next))));
        } catch (JedisException e) {
            fail(op, at.node(), e, true);
        }
    }

    /** A read of several counter keys at once: one GET, one MGET, or GETs in one MULTI. */
    private void readCounters(Target target, List<String> keys, CounterOp.Kind kind) {
        switch (kind) {
            case GET -> {
                long op = history.invokeCounter(id, target.node(), kind, keys, 0);
                send(op, target, false, at -> {
                    Object reply = at.jedis().sendCommand(Protocol.Command.GET, bytes(keys.get(0)));
                    history.okCounter(op, Collections.singletonList(text(reply)));
                });
            }
            case MGET -> {
                long op = history.invokeCounter(id, target.node(), kind, keys, 0);
                send(op, target, false, at -> {
                    Object reply = at.jedis().sendCommand(Protocol.Command.MGET,
                            keys.stream().map(ChaosClient::bytes).toArray(byte[][]::new));
                    history.okCounter(op, elements(reply));
                });
            }
            case MULTI_GET -> transaction(target, kind, keys, 0,
                    keys.stream().map(key -> command(Protocol.Command.GET, key)).toList());
            default -> throw new IllegalArgumentException(kind + " is not a read");
        }
    }

    /** {@code MULTI}, the commands, {@code EXEC}, recorded as one operation, following a MOVED once. */
    private void transaction(Target target, CounterOp.Kind kind, List<String> keys, long argument,
                             List<Queued> commands) {
        long op = history.invokeCounter(id, target.node(), kind, keys, argument);
        send(op, target, kind.isWrite(), at -> runTransaction(op, at, kind, keys, commands));
    }

    /**
     * One attempt of {@code MULTI}, the commands, {@code EXEC}. Until EXEC is sent nothing can apply (the queue
     * lives on the connection), so a failure before it is FAILED and the connection is dropped (which discards the
     * queue), except a MOVED, after which DISCARD ends the transaction and the MOVED is thrown, as is EXEC's own
     * failure, to be followed or classified as any write's; a null array (a WATCHed key changed) means nothing
     * applied.
     */
    private void runTransaction(long op, Target target, CounterOp.Kind kind, List<String> keys,
                                List<Queued> commands) {
        Jedis jedis = target.jedis();
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
                dropConnection(target.node());
                failOrUnknown(op, kind.isWrite(), "EXEC answered " + elements.size() + " elements: " + elements);
                return;
            }
            history.okCounter(op, elements);
        } catch (JedisRedirectionException moved) {
            if (!execSent) {
                reset(target, Protocol.Command.DISCARD); // a command was refused: the queue is good for nothing
            }
            throw moved; // at EXEC the node ended the transaction unrun
        } catch (JedisException e) {
            if (execSent) {
                throw e;
            }
            dropConnection(target.node());
            history.failed(op, "before EXEC was sent: " + e.getClass().getSimpleName() + ": " + e.getMessage());
        }
    }

    /** Sends DISCARD or UNWATCH so the connection carries no transaction state; drops it if that fails. */
    private void reset(Target target, Protocol.Command command) {
        try {
            target.jedis().sendCommand(command);
        } catch (JedisException e) {
            dropConnection(target.node());
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
