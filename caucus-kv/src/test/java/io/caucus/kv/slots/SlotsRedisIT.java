package io.caucus.kv.slots;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;
import static org.awaitility.Awaitility.await;

import io.caucus.kv.RedisServerProcess;
import io.caucus.kv.command.CommandContext;
import io.caucus.kv.command.CommandSpec;
import io.caucus.kv.command.CommandTable;
import io.caucus.kv.command.Reply;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.Pipeline;
import redis.clients.jedis.Response;
import redis.clients.jedis.commands.ProtocolCommand;
import redis.clients.jedis.exceptions.JedisDataException;

/**
 * The hash slot pieces against redis-server 7.0 in cluster mode, one node owning every slot: {@link KeySlot} against
 * {@code CLUSTER KEYSLOT}, {@link CommandKeys} against {@code COMMAND GETKEYS} for every command in the table,
 * {@link SlotCheck}'s CROSSSLOT (text and when it is answered, transactions included), the CLUSTER command's replies,
 * and {@link SlotMap#evenRanges} against what {@code redis-cli --cluster create} prints for 3 to 10 masters.
 * The seed is printed; {@code caucus.slots.seed} replays one.
 */
class SlotsRedisIT {

    private static final long SEED = Long.getLong("caucus.slots.seed", System.nanoTime());
    private static final String NO_KEYS = "ERR The command has no key arguments";
    private static final String INVALID = "ERR Invalid arguments specified for command";
    /** Caucus's own commands, which redis-server does not know. */
    private static final Set<String> CAUCUS_ONLY = Set.of("CAS");

    @TempDir
    static Path directory;
    private static RedisServerProcess redis;
    private static Jedis jedis;

    @BeforeAll
    static void startRedisInClusterMode() throws Exception {
        System.out.println("SlotsRedisIT seed " + SEED + " (-Dcaucus.slots.seed=" + SEED + " replays it)");
        redis = startClusterNode("reference");
        jedis = new Jedis("127.0.0.1", redis.port(), 10_000);
        assertThat(jedis.sendCommand(command("CLUSTER"), bytes("ADDSLOTSRANGE", "0", "16383")))
                .isEqualTo(bytes("OK")[0]);
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(50))
                .until(() -> text(jedis.sendCommand(command("CLUSTER"), bytes("INFO")))
                        .contains("cluster_state:ok"));
    }

    private static RedisServerProcess startClusterNode(String name) throws IOException, InterruptedException {
        return RedisServerProcess.start(directory, name, "--cluster-enabled", "yes", "--cluster-config-file",
                "nodes-" + name + ".conf");
    }

    @AfterAll
    static void stop() throws InterruptedException {
        if (jedis != null) {
            jedis.close();
        }
        if (redis != null) {
            redis.close();
        }
    }

    // ------------------------------------------------------------------ KeySlot

    @Test
    void keySlotIsClusterKeyslotForRandomKeys() {
        Random random = new Random(SEED);
        List<byte[]> keys = new ArrayList<>();
        for (int i = 0; i < 5000; i++) {
            keys.add(randomKey(random));
        }
        List<Response<Object>> answers = new ArrayList<>();
        try (Pipeline pipeline = jedis.pipelined()) {
            for (byte[] key : keys) {
                answers.add(pipeline.sendCommand(command("CLUSTER"), "KEYSLOT".getBytes(UTF_8), key));
            }
            pipeline.sync();
        }
        for (int i = 0; i < keys.size(); i++) {
            assertThat((long) KeySlot.of(keys.get(i))).as("key %s", HexFormat.of().formatHex(keys.get(i)))
                    .isEqualTo(answers.get(i).get());
        }
    }

    /** Random bytes, often with braces: none, one of either, a tag, an empty tag, nested or repeated ones. */
    private static byte[] randomKey(Random random) {
        byte[] key = new byte[random.nextInt(24)];
        random.nextBytes(key);
        if (random.nextInt(4) == 0) { // printable, so that some tags are ordinary text
            for (int i = 0; i < key.length; i++) {
                key[i] = (byte) ('a' + Math.floorMod(key[i], 26));
            }
        }
        int braces = key.length == 0 ? 0 : random.nextInt(5);
        for (int i = 0; i < braces; i++) {
            key[random.nextInt(key.length)] = (byte) (random.nextBoolean() ? '{' : '}');
        }
        return key;
    }

    // ------------------------------------------------------------------ CommandKeys

    @Test
    void commandKeysAreCommandGetkeysForEveryCommandInTheTable() {
        Random random = new Random(SEED + 1);
        Set<String> notInRedis = new TreeSet<>();
        int compared = 0;
        int withKeys = 0;
        for (CommandSpec spec : CommandTable.all()) {
            if (CAUCUS_ONLY.contains(spec.name())) {
                List<Object> info = list(jedis.sendCommand(command("COMMAND"), bytes("INFO", spec.name())));
                assertThat(info).as(spec.name()).containsExactly((Object) null);
                notInRedis.add(spec.name());
                continue;
            }
            for (List<byte[]> argv : samples(spec, random)) {
                List<String> expected = redisKeys(argv);
                List<String> ours = CommandKeys.of(CommandTable.resolve(argv), argv).stream().map(SlotsRedisIT::text)
                        .toList();
                assertThat(ours).as("keys of %s", render(argv)).isEqualTo(expected);
                compared++;
                withKeys += expected.isEmpty() ? 0 : 1;
            }
        }
        // The counted commands Caucus does not serve yet, by a spec of their name only.
        for (List<byte[]> argv : countedSamplesOutsideTheTable(random)) {
            CommandSpec spec = new CommandSpec(text(argv.getFirst()), -2, CommandSpec.Kind.READ, 0, 0, 0, null);
            assertThat(CommandKeys.of(spec, argv).stream().map(SlotsRedisIT::text).toList())
                    .as("keys of %s", render(argv)).isEqualTo(redisKeys(argv));
            compared++;
        }
        assertThat(notInRedis).isEqualTo(CAUCUS_ONLY);
        assertThat(withKeys).isGreaterThan(300);
        System.out.println("SlotsRedisIT: " + compared + " argument vectors compared with COMMAND GETKEYS");
    }

    /** COMMAND GETKEYS's answer: the keys, or none where it says there are none or the count names none. */
    private static List<String> redisKeys(List<byte[]> argv) {
        if (argv.size() == 1) {
            return List.of(); // COMMAND GETKEYS needs an argument after the name, and a lone name is no key
        }
        List<byte[]> request = new ArrayList<>();
        request.add(bytes("GETKEYS")[0]);
        request.addAll(argv);
        try {
            return list(jedis.sendCommand(command("COMMAND"), request.toArray(byte[][]::new))).stream()
                    .map(k -> text((byte[]) k)).toList();
        } catch (JedisDataException e) {
            if (e.getMessage().equals(NO_KEYS) || e.getMessage().equals(INVALID)) {
                return List.of();
            }
            return fail("COMMAND GETKEYS " + render(argv) + ": " + e.getMessage());
        }
    }

    private static final List<String> ODD_COUNTS = List.of("1x", "+1", " 1", "01", "-1", "-0", "x", "0x1", "",
            "4294967297", "2147483648", "99999999999999999999", "1.5");

    /** Argument vectors for {@code spec}: hand-written for containers and counted commands, else by its arity. */
    private static List<List<byte[]>> samples(CommandSpec spec, Random random) {
        String name = spec.name();
        List<List<byte[]>> samples = new ArrayList<>();
        switch (name) {
            case "SCRIPT" -> {
                samples.add(argv("SCRIPT", "LOAD", "return 1"));
                samples.add(argv("SCRIPT", "EXISTS", "abc", "def"));
                samples.add(argv("SCRIPT", "FLUSH"));
                samples.add(argv("SCRIPT", "KILL"));
                samples.add(argv("SCRIPT", "HELP"));
            }
            case "OBJECT" -> {
                for (String sub : List.of("ENCODING", "REFCOUNT", "IDLETIME", "FREQ")) {
                    samples.add(argv("OBJECT", sub, key(random)));
                }
                samples.add(argv("OBJECT", "HELP"));
            }
            case "CLUSTER" -> samples.add(argv("CLUSTER", "KEYSLOT", key(random)));
            case "CONFIG" -> samples.add(argv("CONFIG", "GET", "save"));
            case "CLIENT" -> samples.add(argv("CLIENT", "ID"));
            case "ACL" -> samples.add(argv("ACL", "WHOAMI"));
            case "COMMAND" -> samples.add(argv("COMMAND", "COUNT"));
            case "EVAL", "EVALSHA", "EVAL_RO", "EVALSHA_RO" -> counted(samples, random, name, List.of("return 1"),
                    List.of("arg"), true);
            case "LMPOP" -> counted(samples, random, name, List.of(), List.of("LEFT"), false);
            case "SINTERCARD" -> counted(samples, random, name, List.of(), List.of("LIMIT", "1"), false);
            default -> {
                int minimum = Math.abs(spec.arity());
                int extras = spec.arity() < 0 ? 4 : 0;
                for (int extra = 0; extra <= extras; extra++) {
                    List<String> args = new ArrayList<>(List.of(name));
                    for (int i = 1; i < minimum + extra; i++) {
                        args.add(key(random));
                    }
                    samples.add(argv(args.toArray(String[]::new)));
                }
            }
        }
        return samples;
    }

    /**
     * Samples of a counted command: {@code name before... count keys... after...} for counts 0..3 with as many
     * keys, with too few keys, and with odd counts ({@link #ODD_COUNTS}); an EVAL-like {@code zeroAllowed}.
     */
    private static void counted(List<List<byte[]>> samples, Random random, String name, List<String> before,
                                List<String> after, boolean zeroAllowed) {
        List<String> counts = new ArrayList<>(List.of("1", "2", "3", "0"));
        counts.addAll(ODD_COUNTS);
        for (String count : counts) {
            for (int keys : new int[] {1, 2, 3}) {
                List<String> args = new ArrayList<>(List.of(name));
                args.addAll(before);
                args.add(count);
                for (int i = 0; i < keys; i++) {
                    args.add(key(random));
                }
                args.addAll(after);
                if (!zeroAllowed && args.size() < 3) {
                    continue;
                }
                samples.add(argv(args.toArray(String[]::new)));
            }
        }
    }

    private static List<List<byte[]>> countedSamplesOutsideTheTable(Random random) {
        List<List<byte[]>> samples = new ArrayList<>();
        Map<String, List<String>> before = Map.ofEntries(Map.entry("ZUNIONSTORE", List.of("dest")),
                Map.entry("ZINTERSTORE", List.of("dest")), Map.entry("ZDIFFSTORE", List.of("dest")),
                Map.entry("ZUNION", List.of()), Map.entry("ZINTER", List.of()), Map.entry("ZDIFF", List.of()),
                Map.entry("ZINTERCARD", List.of()), Map.entry("ZMPOP", List.of()), Map.entry("BLMPOP", List.of("0")),
                Map.entry("BZMPOP", List.of("0")), Map.entry("FCALL", List.of("f")),
                Map.entry("FCALL_RO", List.of("f")));
        Map<String, List<String>> after = Map.of("ZMPOP", List.of("MIN"), "BLMPOP", List.of("LEFT"), "BZMPOP",
                List.of("MIN"));
        assertThat(before.keySet()).as("every counted command outside the table is sampled")
                .containsAll(CommandKeys.COUNTED.keySet().stream().filter(n -> CommandTable.lookup(bytes(n)[0]) == null)
                        .toList());
        for (Map.Entry<String, List<String>> command : before.entrySet()) {
            counted(samples, random, command.getKey(), command.getValue(),
                    after.getOrDefault(command.getKey(), List.of()), command.getKey().startsWith("FCALL"));
        }
        return samples;
    }

    /** A key from a small pool (so that slots repeat), with hashtags, or random text. */
    private static String key(Random random) {
        return switch (random.nextInt(4)) {
            case 0 -> List.of("a", "b", "c", "{t}a", "{t}b", "k").get(random.nextInt(6));
            case 1 -> "{" + random.nextInt(10) + "}" + random.nextInt(100);
            default -> "key:" + random.nextInt(1_000_000);
        };
    }

    // ------------------------------------------------------------------ CROSSSLOT

    @Test
    void crossSlotCommandsAreRefusedWithRedissWords() {
        for (List<byte[]> argv : List.of(argv("MSET", "a", "1", "b", "2"), argv("SUNIONSTORE", "a", "b", "c"),
                argv("EVAL", "return 1", "2", "a", "b"), argv("WATCH", "a", "b"), argv("DEL", "a", "{a}x", "b"))) {
            assertThat(SlotCheck.slotOf(CommandTable.resolve(argv), argv)).as(render(argv))
                    .isEqualTo(SlotCheck.CROSS_SLOT);
            assertThat(errorOf(argv)).as(render(argv)).isEqualTo(SlotCheck.CROSSSLOT.line());
        }
        for (List<byte[]> argv : List.of(argv("MSET", "{a}1", "1", "{a}2", "2"), argv("EVAL", "return 1", "2", "a", "a"),
                argv("SUNIONSTORE", "{s}d", "{s}1", "{s}2"), argv("PING"), argv("EVAL", "return 1", "0"))) {
            assertThat(SlotCheck.slotOf(CommandTable.resolve(argv), argv)).as(render(argv))
                    .isNotEqualTo(SlotCheck.CROSS_SLOT);
            assertThat(jedis.sendCommand(command(text(argv.getFirst())), rest(argv))).as(render(argv)).isNotNull();
        }
    }

    @Test
    void transactionsAreCheckedAsRedisChecksThem() {
        try (Jedis connection = new Jedis("127.0.0.1", redis.port(), 10_000)) {
            connection.set("a", "before");
            // Commands of one slot each, but of two slots together: queued, then EXEC is CROSSSLOT and runs none.
            assertThat(send(connection, "MULTI")).isEqualTo("OK");
            assertThat(send(connection, "SET", "a", "after")).isEqualTo("QUEUED");
            assertThat(send(connection, "SET", "b", "2")).isEqualTo("QUEUED");
            assertThat(send(connection, "EXEC")).isEqualTo(SlotCheck.CROSSSLOT.line());
            assertThat(send(connection, "GET", "a")).isEqualTo("before");
            assertThat(send(connection, "EXEC")).isEqualTo("ERR EXEC without MULTI"); // the transaction ended
            assertThat(SlotCheck.slotOfAll(List.of(queued("SET", "a", "after"), queued("SET", "b", "2"))))
                    .isEqualTo(SlotCheck.CROSS_SLOT);

            // A command that is itself cross-slot is refused when queued, and EXEC aborts.
            assertThat(send(connection, "MULTI")).isEqualTo("OK");
            assertThat(send(connection, "MSET", "a", "1", "b", "2")).isEqualTo(SlotCheck.CROSSSLOT.line());
            assertThat(send(connection, "SET", "a", "x")).isEqualTo("QUEUED");
            assertThat(send(connection, "EXEC")).startsWith("EXECABORT ");
            assertThat(send(connection, "GET", "a")).isEqualTo("before");

            // One slot, keyless commands among them: runs.
            assertThat(send(connection, "MULTI")).isEqualTo("OK");
            assertThat(send(connection, "SET", "{t}1", "x")).isEqualTo("QUEUED");
            assertThat(send(connection, "PING")).isEqualTo("QUEUED");
            assertThat(send(connection, "SET", "{t}2", "y")).isEqualTo("QUEUED");
            assertThat(send(connection, "EXEC")).isEqualTo("[OK, PONG, OK]");
            assertThat(SlotCheck.slotOfAll(List.of(queued("SET", "{t}1", "x"), queued("PING"),
                    queued("SET", "{t}2", "y")))).isEqualTo(new SlotCheck.Single(KeySlot.of(bytes("t")[0])));

            // EXEC does not compare the watched keys' slot with the transaction's.
            assertThat(send(connection, "WATCH", "a")).isEqualTo("OK");
            assertThat(send(connection, "MULTI")).isEqualTo("OK");
            assertThat(send(connection, "SET", "b", "1")).isEqualTo("QUEUED");
            assertThat(send(connection, "EXEC")).isEqualTo("[OK]");
        }
    }

    private static SlotCheck.Queued queued(String... args) {
        List<byte[]> argv = argv(args);
        return new SlotCheck.Queued(CommandTable.resolve(argv), argv);
    }

    // ------------------------------------------------------------------ CLUSTER

    @Test
    void clusterCommandRepliesAreRedissReplies() {
        Random random = new Random(SEED + 2);
        List<List<byte[]>> requests = new ArrayList<>(List.of(argv("CLUSTER"), argv("CLUSTER", "KEYSLOT"),
                argv("CLUSTER", "KEYSLOT", "a", "b"), argv("CLUSTER", "foo"), argv("cluster", "Foo", "bar"),
                argv("CLUSTER", "keyslot", "{user1000}.following"), argv("CLUSTER", "KEYSLOT", "")));
        for (int i = 0; i < 20; i++) {
            requests.add(List.of(bytes("CLUSTER")[0], bytes("KEYSLOT")[0], randomKey(random)));
        }
        for (List<byte[]> argv : requests) {
            Reply.Error refusal = CommandTable.refusal(argv);
            Reply ours = refusal != null ? refusal : CommandTable.execute(new CommandContext(null, 0, 0, false), argv);
            String rendered = switch (ours) {
                case Reply.Int(long value) -> Long.toString(value);
                case Reply.Error error -> error.line();
                default -> fail("unexpected reply " + ours);
            };
            assertThat(rendered).as(render(argv)).isEqualTo(send(jedis, argv));
        }
    }

    // ------------------------------------------------------------------ even split

    @Test
    void evenRangesAreWhatRedisCliCreatesFor3To10Masters() throws Exception {
        List<RedisServerProcess> nodes = new ArrayList<>();
        try {
            for (int i = 0; i < 10; i++) {
                nodes.add(startClusterNode("empty-" + i));
            }
            Pattern line = Pattern.compile("Master\\[(\\d+)\\] -> Slots (\\d+) - (\\d+)");
            for (int masters = 3; masters <= 10; masters++) {
                List<String> command = new ArrayList<>(List.of(RedisServerProcess.redisCli(), "--cluster", "create"));
                for (RedisServerProcess node : nodes.subList(0, masters)) {
                    command.add("127.0.0.1:" + node.port());
                }
                Process cli = new ProcessBuilder(command).redirectErrorStream(true).start();
                try (OutputStream in = cli.getOutputStream()) {
                    in.write("no\n".getBytes(UTF_8)); // "Can I set the above configuration?": it only prints the plan
                }
                String output = new String(cli.getInputStream().readAllBytes(), UTF_8);
                assertThat(cli.waitFor(60, TimeUnit.SECONDS)).isTrue();
                List<SlotRange> printed = new ArrayList<>();
                Matcher matcher = line.matcher(output);
                while (matcher.find()) {
                    assertThat(Integer.parseInt(matcher.group(1))).isEqualTo(printed.size());
                    printed.add(SlotRange.of(Integer.parseInt(matcher.group(2)), Integer.parseInt(matcher.group(3))));
                }
                assertThat(printed).as("redis-cli printed:\n%s", output).hasSize(masters);
                assertThat(SlotMap.evenRanges(masters)).as("%d masters", masters).isEqualTo(printed);
            }
        } finally {
            for (RedisServerProcess node : nodes) {
                node.close();
            }
        }
    }

    // ------------------------------------------------------------------ helpers

    private static ProtocolCommand command(String name) {
        byte[] raw = name.getBytes(UTF_8);
        return () -> raw;
    }

    private static byte[][] bytes(String... args) {
        return Arrays.stream(args).map(a -> a.getBytes(UTF_8)).toArray(byte[][]::new);
    }

    private static List<byte[]> argv(String... args) {
        return Arrays.asList(bytes(args));
    }

    private static byte[][] rest(List<byte[]> argv) {
        return argv.subList(1, argv.size()).toArray(byte[][]::new);
    }

    private static String text(Object value) {
        return new String((byte[]) value, UTF_8);
    }

    @SuppressWarnings("unchecked")
    private static List<Object> list(Object value) {
        return (List<Object>) value;
    }

    private static String render(List<byte[]> argv) {
        return argv.stream().map(a -> "'" + new String(a, UTF_8) + "'").toList().toString();
    }

    private static String errorOf(List<byte[]> argv) {
        try {
            jedis.sendCommand(command(text(argv.getFirst())), rest(argv));
            return "(no error)";
        } catch (JedisDataException e) {
            return e.getMessage();
        }
    }

    private static String send(Jedis connection, String... args) {
        return send(connection, argv(args));
    }

    /** The reply as text: a status or bulk string, an integer, an error line, or an array as a list. */
    private static String send(Jedis connection, List<byte[]> argv) {
        try {
            return renderReply(connection.sendCommand(command(text(argv.getFirst())), rest(argv)));
        } catch (JedisDataException e) {
            return e.getMessage();
        }
    }

    private static String renderReply(Object reply) {
        return switch (reply) {
            case null -> "(nil)";
            case byte[] b -> new String(b, UTF_8);
            case Long l -> Long.toString(l);
            case List<?> l -> l.stream().map(SlotsRedisIT::renderReply).toList().toString();
            default -> reply.toString();
        };
    }
}
