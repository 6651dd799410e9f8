package io.caucus.kv.config;

import io.caucus.core.NodeId;
import java.io.IOException;
import java.math.BigInteger;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.snakeyaml.engine.v2.api.Load;
import org.snakeyaml.engine.v2.api.LoadSettings;
import org.snakeyaml.engine.v2.exceptions.YamlEngineException;

/**
 * Reads and checks a cluster file. Everything is checked before anything starts; each refusal names the
 * file, the node (when it is about one) and the field. Unknown fields are refused too: a misspelt tunable
 * would otherwise silently keep its default.
 */
public final class ConfigLoader {

    private static final Set<String> TOP_FIELDS = Set.of("nodes", "tickIntervalMillis", "electionTimeoutTicks",
            "heartbeatIntervalTicks", "fsync", "dataDirectory", "requestTimeoutMillis", "maxSessions",
            "snapshotThresholdEntries", "snapshotThresholdBytes", "snapshotChunkBytes", "snapshotChunksInFlight",
            "proposalLingerMicros", "clientIoThreads");
    private static final Set<String> NODE_FIELDS = Set.of("id", "raft", "client", "http");

    private ConfigLoader() {
    }

    public static ClusterConfig load(Path file) {
        String text;
        try {
            text = Files.readString(file);
        } catch (IOException e) {
            throw new ConfigException("cannot read configuration file " + file + ": " + e);
        }
        return parse(file, text);
    }

    public static ClusterConfig parse(Path file, String yaml) {
        Object document;
        try {
            document = new Load(LoadSettings.builder().setLabel(file.toString()).build()).loadFromString(yaml);
        } catch (YamlEngineException e) {
            throw new ConfigException(file + ": not valid YAML: " + e.getMessage());
        }
        if (!(document instanceof Map<?, ?> top)) {
            throw new ConfigException(file + ": expected a mapping with a 'nodes' list at the top level");
        }
        refuseUnknown(file + ":", top, TOP_FIELDS);
        List<ClusterConfig.Node> nodes = nodes(file, top.get("nodes"));
        ClusterConfig.Tunables defaults = ClusterConfig.Tunables.DEFAULTS;
        String where = file + ":";
        ClusterConfig.Tunables tunables = new ClusterConfig.Tunables(
                integer(where, top, "tickIntervalMillis", defaults.tickIntervalMillis(), 1, 60_000),
                (int) integer(where, top, "electionTimeoutTicks", defaults.electionTimeoutTicks(), 2, 10_000),
                (int) integer(where, top, "heartbeatIntervalTicks", defaults.heartbeatIntervalTicks(), 1, 10_000),
                bool(where, top, "fsync", defaults.fsync()),
                path(where, top, "dataDirectory", defaults.dataDirectory()),
                integer(where, top, "requestTimeoutMillis", defaults.requestTimeoutMillis(), 1, 3_600_000),
                (int) integer(where, top, "maxSessions", defaults.maxSessions(), 1, 10_000_000),
                snapshotOptions(where, top, defaults.snapshots()),
                integer(where, top, "proposalLingerMicros", defaults.proposalLingerMicros(), 0, 100_000),
                (int) integer(where, top, "clientIoThreads", defaults.clientIoThreads(), 0, 64));
        if (tunables.heartbeatIntervalTicks() >= tunables.electionTimeoutTicks()) {
            throw new ConfigException(where + " field 'heartbeatIntervalTicks': must be less than "
                    + "electionTimeoutTicks (" + tunables.electionTimeoutTicks() + "), got "
                    + tunables.heartbeatIntervalTicks());
        }
        return new ClusterConfig(file, nodes, tunables);
    }

    /** Snapshot thresholds (0 turns one off) and chunking; see {@link io.caucus.server.SnapshotOptions}. */
    private static io.caucus.server.SnapshotOptions snapshotOptions(String where, Map<?, ?> top,
                                                                     io.caucus.server.SnapshotOptions defaults) {
        return defaults
                .withThresholds(integer(where, top, "snapshotThresholdEntries", defaults.thresholdEntries(), 0,
                                Long.MAX_VALUE),
                        integer(where, top, "snapshotThresholdBytes", defaults.thresholdBytes(), 0, Long.MAX_VALUE))
                .withChunking((int) integer(where, top, "snapshotChunkBytes", defaults.chunkBytes(), 1024, 4 << 20),
                        (int) integer(where, top, "snapshotChunksInFlight", defaults.maxChunksInFlight(), 1, 1024));
    }

    private static List<ClusterConfig.Node> nodes(Path file, Object value) {
        if (value == null) {
            throw new ConfigException(file + ": field 'nodes' is missing: list every server with id, raft, client"
                    + " and http");
        }
        if (!(value instanceof List<?> list) || list.isEmpty()) {
            throw new ConfigException(file + ": field 'nodes': expected a non-empty list of servers, got "
                    + describe(value));
        }
        List<ClusterConfig.Node> nodes = new ArrayList<>();
        Map<NodeId, Integer> ids = new HashMap<>();
        Map<InetSocketAddress, String> addresses = new HashMap<>();
        for (int i = 0; i < list.size(); i++) {
            ClusterConfig.Node node = node(file, i, list.get(i));
            Integer earlier = ids.putIfAbsent(node.id(), i);
            if (earlier != null) {
                throw new ConfigException(file + ": nodes[" + i + "]: field 'id': '" + node.id()
                        + "' is already used by nodes[" + earlier + "]");
            }
            claim(addresses, node.raft(), file + ": nodes[" + i + "] (" + node.id() + "): field 'raft'");
            claim(addresses, node.client(), file + ": nodes[" + i + "] (" + node.id() + "): field 'client'");
            claim(addresses, node.http(), file + ": nodes[" + i + "] (" + node.id() + "): field 'http'");
            nodes.add(node);
        }
        return nodes;
    }

    private static void claim(Map<InetSocketAddress, String> addresses, InetSocketAddress address, String where) {
        String earlier = addresses.putIfAbsent(address, where);
        if (earlier != null) {
            throw new ConfigException(where + ": address " + HostPort.format(address)
                    + " is already used by " + earlier.substring(earlier.indexOf("nodes[")));
        }
    }

    private static ClusterConfig.Node node(Path file, int index, Object value) {
        String where = file + ": nodes[" + index + "]";
        if (!(value instanceof Map<?, ?> fields)) {
            throw new ConfigException(where + ": expected a mapping with id, raft, client and http, got "
                    + describe(value));
        }
        Object rawId = fields.get("id");
        if (rawId == null) {
            throw new ConfigException(where + ": field 'id' is missing");
        }
        NodeId id;
        try {
            id = NodeId.of(String.valueOf(rawId));
        } catch (IllegalArgumentException e) {
            throw new ConfigException(where + ": field 'id': " + e.getMessage());
        }
        String named = where + " (" + id + "):";
        refuseUnknown(named, fields, NODE_FIELDS);
        return new ClusterConfig.Node(id, address(named, fields, "raft"), address(named, fields, "client"),
                address(named, fields, "http"));
    }

    /** The address in {@code field}, written as {@link HostPort} reads it. */
    public static InetSocketAddress address(String where, Map<?, ?> fields, String field) {
        Object value = fields.get(field);
        if (value == null) {
            throw new ConfigException(where + " field '" + field + "' is missing (expected host:port)");
        }
        try {
            return HostPort.parse(String.valueOf(value));
        } catch (IllegalArgumentException e) {
            throw new ConfigException(where + " field '" + field + "': " + e.getMessage());
        }
    }

    private static void refuseUnknown(String where, Map<?, ?> fields, Set<String> known) {
        for (Object key : fields.keySet()) {
            if (!known.contains(String.valueOf(key))) {
                throw new ConfigException(where + " unknown field '" + key + "' (known fields: "
                        + known.stream().sorted().toList() + ")");
            }
        }
    }

    private static long integer(String where, Map<?, ?> fields, String field, long fallback, long min, long max) {
        Object value = fields.get(field);
        if (value == null) {
            return fallback;
        }
        if (!(value instanceof Integer || value instanceof Long || value instanceof BigInteger)) {
            throw new ConfigException(where + " field '" + field + "': expected an integer, got " + describe(value));
        }
        BigInteger number = new BigInteger(value.toString());
        if (number.compareTo(BigInteger.valueOf(min)) < 0 || number.compareTo(BigInteger.valueOf(max)) > 0) {
            throw new ConfigException(where + " field '" + field + "': must be between " + min + " and " + max
                    + ", got " + number);
        }
        return number.longValue();
    }

    private static boolean bool(String where, Map<?, ?> fields, String field, boolean fallback) {
        Object value = fields.get(field);
        if (value == null) {
            return fallback;
        }
        if (!(value instanceof Boolean flag)) {
            throw new ConfigException(where + " field '" + field + "': expected true or false, got "
                    + describe(value));
        }
        return flag;
    }

    private static Path path(String where, Map<?, ?> fields, String field, Path fallback) {
        Object value = fields.get(field);
        if (value == null) {
            return fallback;
        }
        if (!(value instanceof String text) || text.isBlank()) {
            throw new ConfigException(where + " field '" + field + "': expected a directory path, got "
                    + describe(value));
        }
        try {
            return Path.of(text);
        } catch (InvalidPathException e) {
            throw new ConfigException(where + " field '" + field + "': not a valid path: " + e.getMessage());
        }
    }

    private static String describe(Object value) {
        if (value == null) {
            return "nothing";
        }
        String kind = value instanceof Map ? "a mapping" : value instanceof List ? "a list"
                : value instanceof String ? "text" : value.getClass().getSimpleName().toLowerCase();
        return kind + " '" + value + "'";
    }
}
