package io.caucus.kv.config;

import io.caucus.core.NodeId;
import io.caucus.server.HostPort;
import io.caucus.transport.tls.TlsFiles;
import java.io.IOException;
import java.math.BigInteger;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.Locale;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import org.snakeyaml.engine.v2.api.Load;
import org.snakeyaml.engine.v2.api.LoadSettings;
import org.snakeyaml.engine.v2.api.lowlevel.Parse;
import org.snakeyaml.engine.v2.events.Event;
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
            "snapshotLogRatio", "proposalLingerMicros", "clientIoThreads", "maxBulkBytes", "maxArrayElements", "maxRequestBytes",
            "maxPipelineCommands", "maxClientOutputBytes", "maxClientConnections", "clientIdleTimeoutMillis", "authTimeoutMillis",
            "maxAuthFailures", "users", "nodePasswordFile", "tls", "adminTokenFile", "adminOpenPaths",
            "adminMaxBodyBytes", "maxPeerFrameBytes", "shards", "shardReplicas");
    private static final Set<String> NODE_FIELDS = Set.of("id", "raft", "client", "http");
    private static final Set<String> TLS_FIELDS = Set.of("peer", "client", "admin");
    private static final Set<String> TLS_PORT_FIELDS = Set.of("ca", "cert", "key", "clientAuth");
    private static final Set<String> USER_FIELDS = Set.of("name", "passwordSha256", "nopass", "permissions", "keys");
    /** User names: what Redis allows that needs no quoting anywhere (no spaces, no '>' or '#' at the start). */
    /** Far deeper than a cluster file needs (four levels: tls, peer, ...), far shallower than overflows a stack. */
    private static final int MAX_NESTING_DEPTH = 64;
    private static final Pattern USER_NAME = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9_.@-]{0,63}");

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
            LoadSettings settings = LoadSettings.builder().setLabel(file.toString()).build();
            refuseDeepNesting(file, settings, yaml);
            document = new Load(settings).loadFromString(yaml);
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
        return new ClusterConfig(file, nodes, tunables, clientLimits(where, top), clientAuth(file, top, nodes.size()),
                tls(file, top.get("tls")), adminToken(file, top.get("adminTokenFile")),
                adminOpenPaths(file, top.get("adminOpenPaths")),
                (int) integer(where, top, "adminMaxBodyBytes", io.caucus.kv.admin.AdminGuard.DEFAULT_MAX_BODY_BYTES,
                        1024, 64 << 20),
                (int) integer(where, top, "maxPeerFrameBytes", io.caucus.transport.TransportOptions.DEFAULT_MAX_FRAME_BYTES,
                        4 << 20, 1 << 30),
                sharding(where, top, nodes.size()));
    }

    /** shards (0: one Raft group, the default) and shardReplicas (default 3, at most the number of nodes). */
    private static ClusterConfig.Sharding sharding(String where, Map<?, ?> top, int nodes) {
        int shards = (int) integer(where, top, "shards", 0, 0, ClusterConfig.Sharding.MAX_SHARDS);
        if (shards > 0 && nodes > ClusterConfig.Sharding.MAX_NODES) {
            throw new ConfigException(where + " field 'shards': a sharded cluster has at most "
                    + ClusterConfig.Sharding.MAX_NODES + " nodes for now (every node is a voter of the metadata group"
                    + " that holds the slot map), got " + nodes);
        }
        int replicas = (int) integer(where, top, "shardReplicas", Math.min(3, nodes), 1, nodes);
        if (top.get("shardReplicas") != null && shards == 0) {
            throw new ConfigException(where + " field 'shardReplicas': only meaningful with 'shards' (a sharded"
                    + " cluster)");
        }
        return shards == 0 ? ClusterConfig.Sharding.NONE : new ClusterConfig.Sharding(shards, replicas);
    }

    /**
     * Refuses a document nested deeper than {@link #MAX_NESTING_DEPTH}, reading it as a stream of events (the parser
     * keeps its own stack): building the document recurses once per level, so a few kilobytes of brackets would
     * otherwise overflow the thread's stack.
     */
    private static void refuseDeepNesting(Path file, LoadSettings settings, String yaml) {
        int depth = 0;
        for (Event event : new Parse(settings).parseString(yaml)) {
            switch (event.getEventId()) {
                case MappingStart, SequenceStart -> {
                    if (++depth > MAX_NESTING_DEPTH) {
                        throw new ConfigException(file + ": " + event.getStartMark().map(mark -> "line "
                                + (mark.getLine() + 1) + ": ").orElse("") + "nested deeper than " + MAX_NESTING_DEPTH
                                + " levels of mappings and lists; a cluster file needs four");
                    }
                }
                case MappingEnd, SequenceEnd -> depth--;
                default -> {
                }
            }
        }
    }

    /** The admin port's bearer token: the file's content without the line end; at least 16 characters. */
    private static byte[] adminToken(Path file, Object value) {
        if (value == null) {
            return null;
        }
        if (!(value instanceof String text) || text.isBlank()) {
            throw new ConfigException(file + ": field 'adminTokenFile': expected a file path, got " + describe(value));
        }
        Path path = resolve(file, "adminTokenFile", text);
        String token;
        try {
            token = Files.readString(path).strip();
        } catch (IOException e) {
            throw new ConfigException(file + ": field 'adminTokenFile': cannot read " + path + ": " + e);
        }
        if (token.length() < 16 || token.chars().anyMatch(c -> c <= ' ')) {
            throw new ConfigException(file + ": field 'adminTokenFile': " + path + " must hold one token of at least"
                    + " 16 characters without spaces (e.g. from: openssl rand -hex 32)");
        }
        return token.getBytes(StandardCharsets.UTF_8);
    }

    private static Set<String> adminOpenPaths(Path file, Object value) {
        if (value == null) {
            return io.caucus.kv.admin.AdminGuard.DEFAULT_OPEN_PATHS;
        }
        Set<String> known = Set.of("/health", "/metrics", "/status", "/digest");
        if (!(value instanceof List<?> list) || !list.stream().allMatch(known::contains)) {
            throw new ConfigException(file + ": field 'adminOpenPaths': expected a list of paths anyone may GET, among "
                    + known.stream().sorted().toList() + ", got " + describe(value));
        }
        Set<String> paths = new HashSet<>();
        list.forEach(path -> paths.add((String) path));
        return paths;
    }

    private static Path resolve(Path file, String field, String text) {
        try {
            Path parent = file.toAbsolutePath().getParent();
            return parent == null ? Path.of(text) : parent.resolve(text);
        } catch (InvalidPathException e) {
            throw new ConfigException(file + ": field '" + field + "': not a valid path: " + e.getMessage());
        }
    }

    /**
     * The {@code tls} section: per port kind, the PEM files and whether clients present certificates. The files
     * themselves are read when a node starts (each node has its own, through {@code {id}}).
     */
    private static TlsConfig tls(Path file, Object value) {
        if (value == null) {
            return TlsConfig.NONE;
        }
        if (!(value instanceof Map<?, ?> ports) || ports.isEmpty()) {
            throw new ConfigException(file + ": field 'tls': expected a mapping with peer, client and/or admin, got "
                    + describe(value));
        }
        refuseUnknown(file + ": tls:", ports, TLS_FIELDS);
        Path base = file.toAbsolutePath().getParent();
        return new TlsConfig(tlsPort(file, base, "peer", ports.get("peer")),
                tlsPort(file, base, "client", ports.get("client")), tlsPort(file, base, "admin", ports.get("admin")));
    }

    private static TlsConfig.Port tlsPort(Path file, Path base, String kind, Object value) {
        if (value == null) {
            return null;
        }
        String where = file + ": tls." + kind + ":";
        if (!(value instanceof Map<?, ?> fields)) {
            throw new ConfigException(where + " expected a mapping with ca, cert, key and clientAuth, got "
                    + describe(value));
        }
        refuseUnknown(where, fields, TLS_PORT_FIELDS);
        TlsFiles.ClientAuthMode defaultMode = kind.equals("peer") ? TlsFiles.ClientAuthMode.REQUIRE
                : TlsFiles.ClientAuthMode.NONE;
        TlsFiles.ClientAuthMode clientAuth = clientAuthMode(where, fields.get("clientAuth"), defaultMode);
        String ca = tlsPath(where, fields, "ca", false);
        if (kind.equals("peer") && (clientAuth != TlsFiles.ClientAuthMode.REQUIRE || ca == null)) {
            throw new ConfigException(where + " the Raft port is mutual TLS: give 'ca' (the CA that signs every"
                    + " node's certificate) and leave clientAuth as require");
        }
        if (clientAuth != TlsFiles.ClientAuthMode.NONE && ca == null) {
            throw new ConfigException(where + " field 'ca' is missing: clientAuth " + clientAuth.configName()
                    + " checks client certificates against it");
        }
        return new TlsConfig.Port(base == null ? Path.of("") : base, ca, tlsPath(where, fields, "cert", true),
                tlsPath(where, fields, "key", true), clientAuth);
    }

    private static TlsFiles.ClientAuthMode clientAuthMode(String where, Object value,
                                                          TlsFiles.ClientAuthMode fallback) {
        if (value == null) {
            return fallback;
        }
        for (TlsFiles.ClientAuthMode mode : TlsFiles.ClientAuthMode.values()) {
            if (mode.configName().equals(String.valueOf(value))) {
                return mode;
            }
        }
        throw new ConfigException(where + " field 'clientAuth': expected none, optional or require, got '" + value
                + "'");
    }

    private static String tlsPath(String where, Map<?, ?> fields, String field, boolean required) {
        Object value = fields.get(field);
        if (value == null) {
            if (required) {
                throw new ConfigException(where + " field '" + field + "' is missing (a PEM file path; {id} is"
                        + " replaced by the node's id)");
            }
            return null;
        }
        if (!(value instanceof String text) || text.isBlank()) {
            throw new ConfigException(where + " field '" + field + "': expected a PEM file path, got "
                    + describe(value));
        }
        try {
            Path.of(text.replace("{id}", "n1"));
        } catch (InvalidPathException e) {
            throw new ConfigException(where + " field '" + field + "': not a valid path: " + e.getMessage());
        }
        return text;
    }

    private static ClientLimits clientLimits(String where, Map<?, ?> top) {
        ClientLimits defaults = ClientLimits.DEFAULTS;
        int maxBulkBytes = (int) integer(where, top, "maxBulkBytes", defaults.maxBulkBytes(), 1024, 512 << 20);
        int maxRequestBytes = (int) integer(where, top, "maxRequestBytes",
                Math.max(defaults.maxRequestBytes(), maxBulkBytes + 4096L), 1024, Integer.MAX_VALUE - 1024);
        if (maxRequestBytes < maxBulkBytes) {
            throw new ConfigException(where + " field 'maxRequestBytes': must be at least maxBulkBytes ("
                    + maxBulkBytes + "), got " + maxRequestBytes);
        }
        return new ClientLimits(maxBulkBytes,
                (int) integer(where, top, "maxArrayElements", defaults.maxArrayElements(), 16, Integer.MAX_VALUE),
                maxRequestBytes,
                (int) integer(where, top, "maxPipelineCommands", defaults.maxPipelineCommands(), 1, 1_000_000),
                (int) integer(where, top, "maxClientConnections", defaults.maxClientConnections(), 1, 1_000_000),
                integer(where, top, "clientIdleTimeoutMillis", defaults.clientIdleTimeoutMillis(), 0, 86_400_000L * 365),
                integer(where, top, "authTimeoutMillis", defaults.authTimeoutMillis(), 0, 86_400_000L),
                (int) integer(where, top, "maxAuthFailures", defaults.maxAuthFailures(), 1, 1_000_000),
                integer(where, top, "maxClientOutputBytes", defaults.maxClientOutputBytes(), 1 << 20, 1L << 40));
    }

    /** The users of the Redis port and the followers' password; see {@link ClientAuth}. */
    private static ClientAuth clientAuth(Path file, Map<?, ?> top, int nodeCount) {
        Object value = top.get("users");
        Object passwordFile = top.get("nodePasswordFile");
        if (value == null) {
            if (passwordFile != null) {
                throw new ConfigException(file + ": field 'nodePasswordFile': only used with 'users' (without users"
                        + " the Redis port is open)");
            }
            return ClientAuth.OPEN;
        }
        if (!(value instanceof List<?> list) || list.isEmpty()) {
            throw new ConfigException(file + ": field 'users': expected a non-empty list of users (name,"
                    + " passwordSha256 or nopass, permissions, keys), got " + describe(value));
        }
        List<ClientAuth.User> users = new ArrayList<>();
        Set<String> names = new HashSet<>();
        for (int i = 0; i < list.size(); i++) {
            ClientAuth.User user = user(file + ": users[" + i + "]", list.get(i));
            if (!names.add(user.name())) {
                throw new ConfigException(file + ": users[" + i + "]: field 'name': '" + user.name()
                        + "' is already used by another user");
            }
            users.add(user);
        }
        byte[] nodePassword = null;
        if (passwordFile != null) {
            nodePassword = nodePassword(file, passwordFile);
        } else if (nodeCount > 1) {
            throw new ConfigException(file + ": field 'nodePasswordFile' is missing: with users and more than one"
                    + " node, followers need a password to forward commands to the leader's Redis port");
        }
        return new ClientAuth(users, nodePassword);
    }

    private static ClientAuth.User user(String where, Object value) {
        if (!(value instanceof Map<?, ?> fields)) {
            throw new ConfigException(where + ": expected a mapping with name, passwordSha256 (or nopass: true),"
                    + " permissions and keys, got " + describe(value));
        }
        Object rawName = fields.get("name");
        if (rawName == null) {
            throw new ConfigException(where + ": field 'name' is missing");
        }
        String name = String.valueOf(rawName);
        if (!USER_NAME.matcher(name).matches() || name.equals(ClientAuth.NODE_USER)) {
            throw new ConfigException(where + ": field 'name': '" + name + "' is not a valid user name (letters,"
                    + " digits, '_', '.', '@', '-'; at most 64; '" + ClientAuth.NODE_USER + "' is reserved)");
        }
        String named = where + " (" + name + "):";
        refuseUnknown(named, fields, USER_FIELDS);
        boolean nopass = bool(named, fields, "nopass", false);
        Object hash = fields.get("passwordSha256");
        byte[] passwordSha256 = null;
        if (nopass == (hash != null)) {
            throw new ConfigException(named + " give exactly one of 'passwordSha256' (the hex SHA-256 of the"
                    + " password, e.g. from: printf %s \"$PASSWORD\" | sha256sum) and 'nopass: true'");
        }
        if (hash != null) {
            String hex = String.valueOf(hash).trim();
            hex = hex.startsWith("#") ? hex.substring(1) : hex;
            if (!hex.matches("[0-9a-fA-F]{64}")) {
                throw new ConfigException(named + " field 'passwordSha256': expected 64 hex digits (a SHA-256"
                        + " hash, never the password itself), got " + hex.length() + " characters");
            }
            passwordSha256 = HexFormat.of().parseHex(hex.toLowerCase(Locale.ROOT));
        }
        Object rawPermissions = fields.get("permissions");
        if (rawPermissions == null) {
            throw new ConfigException(named + " field 'permissions' is missing (readonly, readwrite or admin)");
        }
        ClientAuth.Permission permission = switch (String.valueOf(rawPermissions)) {
            case "readonly" -> ClientAuth.Permission.READONLY;
            case "readwrite" -> ClientAuth.Permission.READWRITE;
            case "admin" -> ClientAuth.Permission.ADMIN;
            default -> throw new ConfigException(named + " field 'permissions': expected readonly, readwrite or"
                    + " admin, got '" + rawPermissions + "'");
        };
        Object rawKeys = fields.get("keys");
        List<String> keys = new ArrayList<>();
        if (rawKeys == null) {
            keys.add("*");
        } else if (rawKeys instanceof List<?> patterns) {
            for (Object pattern : patterns) {
                if (!(pattern instanceof String text) || text.isEmpty()) {
                    throw new ConfigException(named + " field 'keys': expected a list of glob patterns (as Redis"
                            + " ACL ~pattern, e.g. [\"app:*\"]), got " + describe(pattern));
                }
                keys.add(text);
            }
        } else {
            throw new ConfigException(named + " field 'keys': expected a list of glob patterns (as Redis ACL"
                    + " ~pattern, e.g. [\"app:*\"]), got " + describe(rawKeys));
        }
        return new ClientAuth.User(name, passwordSha256, permission, keys);
    }

    /** The followers' password: the file's content without the line end, resolved from the cluster file's directory. */
    private static byte[] nodePassword(Path file, Object value) {
        if (!(value instanceof String text) || text.isBlank()) {
            throw new ConfigException(file + ": field 'nodePasswordFile': expected a file path, got " + describe(value));
        }
        Path path;
        try {
            Path parent = file.toAbsolutePath().getParent();
            path = parent == null ? Path.of(text) : parent.resolve(text);
        } catch (InvalidPathException e) {
            throw new ConfigException(file + ": field 'nodePasswordFile': not a valid path: " + e.getMessage());
        }
        String password;
        try {
            password = Files.readString(path).strip();
        } catch (IOException e) {
            throw new ConfigException(file + ": field 'nodePasswordFile': cannot read " + path + ": " + e);
        }
        if (password.length() < 16 || password.chars().anyMatch(c -> c <= ' ')) {
            throw new ConfigException(file + ": field 'nodePasswordFile': " + path + " must hold one password of at"
                    + " least 16 characters without spaces (e.g. from: openssl rand -hex 32)");
        }
        return password.getBytes(StandardCharsets.UTF_8);
    }

    /**
     * Snapshot thresholds (0 turns one off), the log-to-snapshot ratio (0: none) and chunking; see
     * {@link io.caucus.server.SnapshotOptions}.
     */
    private static io.caucus.server.SnapshotOptions snapshotOptions(String where, Map<?, ?> top,
                                                                     io.caucus.server.SnapshotOptions defaults) {
        return defaults
                .withThresholds(integer(where, top, "snapshotThresholdEntries", defaults.thresholdEntries(), 0,
                                Long.MAX_VALUE),
                        integer(where, top, "snapshotThresholdBytes", defaults.thresholdBytes(), 0, Long.MAX_VALUE))
                .withChunking((int) integer(where, top, "snapshotChunkBytes", defaults.chunkBytes(), 1024, 4 << 20),
                        (int) integer(where, top, "snapshotChunksInFlight", defaults.maxChunksInFlight(), 1, 1024))
                .withLogToSnapshotRatio(integer(where, top, "snapshotLogRatio",
                        (long) defaults.logToSnapshotRatio(), 0, 1000));
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

    /**
     * The address in {@code field}, written as {@link HostPort} reads it; a name that does not resolve yet is
     * kept unresolved (see {@link HostPort#parseAcceptingLateNames}).
     */
    public static InetSocketAddress address(String where, Map<?, ?> fields, String field) {
        Object value = fields.get(field);
        if (value == null) {
            throw new ConfigException(where + " field '" + field + "' is missing (expected host:port)");
        }
        try {
            return HostPort.parseAcceptingLateNames(String.valueOf(value));
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
