package io.caucus.kv.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetSocketAddress;
import java.nio.file.Path;
import io.caucus.server.HostPort;
import io.caucus.transport.tls.TlsFiles;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ConfigLoaderTest {

    private static final Path FILE = Path.of("cluster.yaml");

    private static final String NODES = """
            nodes:
              - id: n1
                raft: 127.0.0.11:7000
                client: 127.0.0.11:6379
                http: 127.0.0.11:8080
              - id: n2
                raft: 127.0.0.12:7000
                client: 127.0.0.12:6379
                http: 127.0.0.12:8080
            """;

    @Test
    void readsNodesAndAppliesDefaults() {
        ClusterConfig config = ConfigLoader.parse(FILE, NODES);
        assertThat(config.nodes()).hasSize(2);
        assertThat(config.node("n2").client().getPort()).isEqualTo(6379);
        assertThat(config.node("n2").raft().getAddress().getHostAddress()).isEqualTo("127.0.0.12");
        assertThat(config.tunables()).isEqualTo(ClusterConfig.Tunables.DEFAULTS);
        assertThat(config.dataDirectoryOf(config.node("n1").id())).isEqualTo(Path.of("data", "n1"));
    }

    @Test
    void aPeerNameThatDoesNotResolveYetIsKeptAsANameForTheTransportToLookUpLater() {
        ClusterConfig config = ConfigLoader.parse(FILE,
                "nodes:\n  - {id: n1, raft: 127.0.0.1:1, client: 127.0.0.1:2, http: 127.0.0.1:3}\n"
                        + "  - {id: n2, raft: n2.no-such-host.invalid:7000, client: 127.0.0.1:5, http: 127.0.0.1:6}\n");
        InetSocketAddress late = config.node(io.caucus.core.NodeId.of("n2")).raft();
        assertThat(late.isUnresolved()).isTrue();
        assertThat(HostPort.format(late)).isEqualTo("n2.no-such-host.invalid:7000");
        assertThatThrownBy(() -> HostPort.parse("n2.no-such-host.invalid:7000"))
                .hasMessageContaining("unknown host 'n2.no-such-host.invalid'");
    }

    @Test
    void shardingIsOffByDefaultAndShardsSplitTheKeySpaceOverReplicasOfAtMostTheNodes() {
        assertThat(ConfigLoader.parse(FILE, NODES).sharding()).isEqualTo(ClusterConfig.Sharding.NONE);
        ClusterConfig.Sharding sharding = ConfigLoader.parse(FILE, NODES + "shards: 16\n").sharding();
        assertThat(sharding.enabled()).isTrue();
        assertThat(sharding).isEqualTo(new ClusterConfig.Sharding(16, 2)); // two nodes: two replicas each
        assertThat(ConfigLoader.parse(FILE, NODES + "shards: 4\nshardReplicas: 1\n").sharding().replicas())
                .isEqualTo(1);
        assertThatThrownBy(() -> ConfigLoader.parse(FILE, NODES + "shards: 4\nshardReplicas: 3\n"))
                .isInstanceOf(ConfigException.class).hasMessageContaining("'shardReplicas': must be between 1 and 2");
        assertThatThrownBy(() -> ConfigLoader.parse(FILE, NODES + "shardReplicas: 2\n"))
                .isInstanceOf(ConfigException.class).hasMessageContaining("only meaningful with 'shards'");
        assertThatThrownBy(() -> ConfigLoader.parse(FILE, NODES + "shards: 5000\n"))
                .isInstanceOf(ConfigException.class).hasMessageContaining("'shards': must be between 0 and 4096");
    }

    @Test
    void readsEveryTunable() {
        ClusterConfig config = ConfigLoader.parse(FILE, NODES + """
                tickIntervalMillis: 20
                electionTimeoutTicks: 15
                heartbeatIntervalTicks: 3
                fsync: false
                dataDirectory: /var/lib/caucus
                requestTimeoutMillis: 2500
                maxSessions: 50
                snapshotThresholdEntries: 5000
                snapshotThresholdBytes: 0
                snapshotChunkBytes: 65536
                snapshotChunksInFlight: 8
                snapshotLogRatio: 2
                proposalLingerMicros: 0
                clientIoThreads: 3
                """);
        assertThat(config.tunables()).isEqualTo(new ClusterConfig.Tunables(20, 15, 3, false,
                Path.of("/var/lib/caucus"), 2500, 50,
                io.caucus.server.SnapshotOptions.DEFAULTS.withThresholds(5000, 0).withChunking(65536, 8)
                        .withLogToSnapshotRatio(2), 0, 3));
        assertThat(config.tunables().proposalLinger()).isZero();
        assertThat(config.tunables().raftOptions().electionTimeoutTicks()).isEqualTo(15);
    }

    @Test
    void snapshotOptionsDefaultAndOutOfRangeValuesAreRefusedByName() {
        assertThat(ConfigLoader.parse(FILE, NODES).tunables().snapshots())
                .isEqualTo(io.caucus.server.SnapshotOptions.DEFAULTS);
        assertThatThrownBy(() -> ConfigLoader.parse(FILE, NODES + "snapshotChunkBytes: 10\n"))
                .isInstanceOf(ConfigException.class).hasMessageContaining("'snapshotChunkBytes'");
        assertThatThrownBy(() -> ConfigLoader.parse(FILE, NODES + "snapshotThresholdEntries: -1\n"))
                .isInstanceOf(ConfigException.class).hasMessageContaining("'snapshotThresholdEntries'");
        assertThatThrownBy(() -> ConfigLoader.parse(FILE, NODES + "snapshotLogRatio: -1\n"))
                .isInstanceOf(ConfigException.class).hasMessageContaining("'snapshotLogRatio'");
        assertThat(ConfigLoader.parse(FILE, NODES + "snapshotLogRatio: 0\n").tunables().snapshots()
                .logOutgrows(0, Long.MAX_VALUE)).isTrue();
    }

    @Test
    void tlsPerPortKindResolvesEachNodesFilesFromTheFilesDirectory() {
        Path file = Path.of("/etc/caucus/cluster.yaml");
        ClusterConfig config = ConfigLoader.parse(file, NODES + """
                tls:
                  peer: {ca: ca.pem, cert: "certs/{id}.pem", key: "certs/{id}.key"}
                  client: {cert: /srv/redis.pem, key: /srv/redis.key}
                """);
        TlsFiles peer = config.tls().peer().files(io.caucus.core.NodeId.of("n2"));
        assertThat(peer).isEqualTo(new TlsFiles(Path.of("/etc/caucus/ca.pem"), Path.of("/etc/caucus/certs/n2.pem"),
                Path.of("/etc/caucus/certs/n2.key"), TlsFiles.ClientAuthMode.REQUIRE));
        assertThat(config.tls().client().files(io.caucus.core.NodeId.of("n1"))).isEqualTo(new TlsFiles(null,
                Path.of("/srv/redis.pem"), Path.of("/srv/redis.key"), TlsFiles.ClientAuthMode.NONE));
        assertThat(config.tls().adminPort()).isEmpty();
        assertThat(ConfigLoader.parse(FILE, NODES).tls()).isEqualTo(TlsConfig.NONE);
    }

    @Test
    void peerFrameAndAdminBodyLimitsAreReadAndBounded() {
        ClusterConfig config = ConfigLoader.parse(FILE, NODES + "maxPeerFrameBytes: 8388608\nadminMaxBodyBytes: 4096\n");
        assertThat(config.maxPeerFrameBytes()).isEqualTo(8 << 20);
        assertThat(config.adminGuard().maxBodyBytes()).isEqualTo(4096);
        assertThat(ConfigLoader.parse(FILE, NODES).maxPeerFrameBytes()).isEqualTo(16 << 20);
        assertThatThrownBy(() -> ConfigLoader.parse(FILE, NODES + "maxPeerFrameBytes: 1000\n"))
                .hasMessageContaining("field 'maxPeerFrameBytes': must be between 4194304 and 1073741824, got 1000");
    }

    @Test
    void tlsMistakesAreRefusedByName() {
        assertThatThrownBy(() -> ConfigLoader.parse(FILE, NODES + "tls: {redis: {cert: a, key: b}}\n"))
                .hasMessageContaining("tls: unknown field 'redis'");
        assertThatThrownBy(() -> ConfigLoader.parse(FILE, NODES + "tls: {client: {cert: a}}\n"))
                .hasMessageContaining("tls.client: field 'key' is missing");
        assertThatThrownBy(() -> ConfigLoader.parse(FILE, NODES + "tls: {peer: {cert: a, key: b}}\n"))
                .hasMessageContaining("tls.peer: the Raft port is mutual TLS: give 'ca'");
        assertThatThrownBy(() -> ConfigLoader.parse(FILE, NODES
                + "tls: {peer: {ca: c, cert: a, key: b, clientAuth: optional}}\n"))
                .hasMessageContaining("leave clientAuth as require");
        assertThatThrownBy(() -> ConfigLoader.parse(FILE, NODES + "tls: {client: {cert: a, key: b, clientAuth: yes}}\n"))
                .hasMessageContaining("field 'clientAuth': expected none, optional or require, got 'yes'");
        assertThatThrownBy(() -> ConfigLoader.parse(FILE, NODES
                + "tls: {admin: {cert: a, key: b, clientAuth: require}}\n"))
                .hasMessageContaining("tls.admin: field 'ca' is missing: clientAuth require checks client certificates");
    }

    @Test
    void readsAFileAndRefusesAMissingOne(@TempDir Path directory) throws Exception {
        Path file = directory.resolve("c.yaml");
        java.nio.file.Files.writeString(file, NODES);
        assertThat(ConfigLoader.load(file).nodes()).hasSize(2);
        assertThatThrownBy(() -> ConfigLoader.load(directory.resolve("absent.yaml")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("cannot read configuration file")
                .hasMessageContaining("absent.yaml");
    }

    @Test
    void refusesAnIdTheFileDoesNotList() {
        assertThatThrownBy(() -> ConfigLoader.parse(FILE, NODES).node("n9"))
                .hasMessage("cluster.yaml: no node with id 'n9' (the file lists [n1, n2])");
    }

    @Test
    void refusesADocumentNestedDeeperThanAnyClusterFileInsteadOfOverflowingTheStack() {
        String brackets = "nodes: " + "[".repeat(5000) + "]".repeat(5000);

        assertThatThrownBy(() -> ConfigLoader.parse(FILE, brackets))
                .isInstanceOf(ConfigException.class)
                .hasMessage("cluster.yaml: line 1: nested deeper than 64 levels of mappings and lists; a cluster"
                        + " file needs four");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            not yaml           | 'nodes: [\n  - id: n1'                                    | not valid YAML
            not a mapping      | '- a\n- b'                                                | expected a mapping
            no nodes           | 'fsync: true'                                             | field 'nodes' is missing
            empty nodes        | 'nodes: []'                                               | field 'nodes': expected a non-empty list
            nodes not a list   | 'nodes: n1'                                               | field 'nodes': expected a non-empty list
            node not a mapping | 'nodes:\n  - n1'                                          | nodes[0]: expected a mapping
            missing id         | 'nodes:\n  - raft: 127.0.0.1:1'                           | nodes[0]: field 'id' is missing
            bad id             | 'nodes:\n  - id: n 1'                                     | nodes[0]: field 'id': node id may hold
            missing raft       | 'nodes:\n  - {id: n1, client: 127.0.0.1:2, http: 127.0.0.1:3}' | nodes[0] (n1): field 'raft' is missing
            no port            | 'nodes:\n  - {id: n1, raft: 127.0.0.1, client: 127.0.0.1:2, http: 127.0.0.1:3}' | nodes[0] (n1): field 'raft': expected host:port
            port not number    | 'nodes:\n  - {id: n1, raft: 127.0.0.1:x, client: 127.0.0.1:2, http: 127.0.0.1:3}' | field 'raft': port is not a number
            port too big       | 'nodes:\n  - {id: n1, raft: 127.0.0.1:1, client: 127.0.0.1:70000, http: 127.0.0.1:3}' | nodes[0] (n1): field 'client': port must be 1-65535, got 70000
            unknown node field | 'nodes:\n  - {id: n1, raft: 127.0.0.1:1, client: 127.0.0.1:2, http: 127.0.0.1:3, port: 4}' | nodes[0] (n1): unknown field 'port'
            duplicate id       | 'nodes:\n  - {id: n1, raft: 127.0.0.1:1, client: 127.0.0.1:2, http: 127.0.0.1:3}\n  - {id: n1, raft: 127.0.0.1:4, client: 127.0.0.1:5, http: 127.0.0.1:6}' | nodes[1]: field 'id': 'n1' is already used by nodes[0]
            duplicate address  | 'nodes:\n  - {id: n1, raft: 127.0.0.1:1, client: 127.0.0.1:2, http: 127.0.0.1:3}\n  - {id: n2, raft: 127.0.0.1:2, client: 127.0.0.1:5, http: 127.0.0.1:6}' | nodes[1] (n2): field 'raft': address 127.0.0.1:2 is already used by nodes[0] (n1): field 'client'
            duplicate key      | 'fsync: true\nfsync: false\nnodes: []'                    | not valid YAML
            """)
    void refusesBadNodesNamingTheField(String caseName, String yaml, String expected) {
        assertThatThrownBy(() -> ConfigLoader.parse(FILE, yaml.replace("\\n", "\n")))
                .isInstanceOf(ConfigException.class)
                .hasMessageStartingWith("cluster.yaml")
                .hasMessageContaining(expected);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            unknown tunable         | 'electionTimeout: 10'          | unknown field 'electionTimeout'
            tick not a number       | 'tickIntervalMillis: fast'     | field 'tickIntervalMillis': expected an integer, got text 'fast'
            tick zero               | 'tickIntervalMillis: 0'        | field 'tickIntervalMillis': must be between 1 and 60000, got 0
            election too small      | 'electionTimeoutTicks: 1'      | field 'electionTimeoutTicks': must be between 2
            heartbeat not below     | 'heartbeatIntervalTicks: 10'   | field 'heartbeatIntervalTicks': must be less than electionTimeoutTicks (10), got 10
            fsync not boolean       | 'fsync: sometimes'             | field 'fsync': expected true or false
            data not text           | 'dataDirectory: [a]'           | field 'dataDirectory': expected a directory path
            timeout negative        | 'requestTimeoutMillis: -5'     | field 'requestTimeoutMillis': must be between 1
            sessions huge           | 'maxSessions: 99999999999999999999999' | field 'maxSessions': must be between 1 and 10000000
            sessions fraction       | 'maxSessions: 1.5'             | field 'maxSessions': expected an integer
            client threads negative | 'clientIoThreads: -1'          | field 'clientIoThreads': must be between 0 and 64, got -1
            """)
    void refusesBadTunablesNamingTheField(String caseName, String line, String expected) {
        assertThatThrownBy(() -> ConfigLoader.parse(FILE, NODES + line + "\n"))
                .isInstanceOf(ConfigException.class)
                .hasMessageStartingWith("cluster.yaml:")
                .hasMessageContaining(expected);
    }

    private static final String HASH = "5e884898da28047151d0e56f8dc6292773603d0d6aabbdd62a11ef721d1542d8"; // "password"

    @Test
    void clientLimitsDefaultAndAreRead() {
        assertThat(ConfigLoader.parse(FILE, NODES).clientLimits()).isEqualTo(ClientLimits.DEFAULTS);
        assertThat(ConfigLoader.parse(FILE, NODES).clientAuth().enabled()).isFalse();
        ClientLimits limits = ConfigLoader.parse(FILE, NODES + """
                maxBulkBytes: 4096
                maxArrayElements: 100
                maxRequestBytes: 8192
                maxPipelineCommands: 64
                maxClientConnections: 5
                clientIdleTimeoutMillis: 60000
                authTimeoutMillis: 2000
                maxAuthFailures: 3
                maxClientOutputBytes: 8388608
                """).clientLimits();
        assertThat(limits).isEqualTo(new ClientLimits(4096, 100, 8192, 64, 5, 60_000, 2000, 3, 8L << 20));
        assertThatThrownBy(() -> ConfigLoader.parse(FILE, NODES + "maxBulkBytes: 4096\nmaxRequestBytes: 2048\n"))
                .isInstanceOf(ConfigException.class).hasMessageContaining("'maxRequestBytes': must be at least");
        assertThatThrownBy(() -> ConfigLoader.parse(FILE, NODES + "maxClientConnections: 0\n"))
                .isInstanceOf(ConfigException.class).hasMessageContaining("'maxClientConnections'");
    }

    @Test
    void usersAreReadWithTheirHashesPermissionsAndKeys(@TempDir Path directory) throws Exception {
        Path file = directory.resolve("cluster.yaml");
        java.nio.file.Files.writeString(directory.resolve("node.pw"), "0123456789abcdef0123\n");
        java.nio.file.Files.writeString(file, NODES + """
                users:
                  - name: default
                    passwordSha256: %s
                    permissions: admin
                  - name: app
                    passwordSha256: "#%s"
                    permissions: readwrite
                    keys: ["app:*", "shared"]
                  - name: anyone
                    nopass: true
                    permissions: readonly
                nodePasswordFile: node.pw
                """.formatted(HASH, HASH.toUpperCase()));
        ClientAuth auth = ConfigLoader.load(file).clientAuth();
        assertThat(auth.enabled()).isTrue();
        assertThat(new String(auth.nodePassword(), java.nio.charset.StandardCharsets.UTF_8))
                .isEqualTo("0123456789abcdef0123");
        assertThat(auth.users()).extracting(ClientAuth.User::name).containsExactly("default", "app", "anyone");
        assertThat(auth.users().get(0).keyPatterns()).containsExactly("*");
        assertThat(java.util.HexFormat.of().formatHex(auth.users().get(1).passwordSha256())).isEqualTo(HASH);
        assertThat(auth.users().get(1).keyPatterns()).containsExactly("app:*", "shared");
        assertThat(auth.users().get(1).permission()).isEqualTo(ClientAuth.Permission.READWRITE);
        assertThat(auth.users().get(2).passwordSha256()).isNull();
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "- {name: a, permissions: admin}|exactly one of 'passwordSha256'",
            "- {name: a, password: x, permissions: admin}|unknown field 'password'",
            "- {name: a, passwordSha256: abc, permissions: admin}|expected 64 hex digits",
            "- {name: a, nopass: true, permissions: root}|expected readonly, readwrite or admin",
            "- {name: a, nopass: true}|field 'permissions' is missing",
            "- {name: 'a b', nopass: true, permissions: admin}|not a valid user name",
            "- {name: caucus.node, nopass: true, permissions: admin}|is reserved",
            "- {name: a, nopass: true, permissions: admin, keys: app}|field 'keys'",
            "[]|non-empty list of users",
    })
    void badUsersAreRefusedByName(String users, String message) {
        String yaml = NODES.replace("  - id: n2\n    raft: 127.0.0.12:7000\n    client: 127.0.0.12:6379\n"
                + "    http: 127.0.0.12:8080\n", "") + "users:\n  " + users + "\n";
        assertThatThrownBy(() -> ConfigLoader.parse(FILE, yaml)).isInstanceOf(ConfigException.class)
                .hasMessageContaining(message);
    }

    @Test
    void severalNodesWithUsersNeedANodePassword() {
        String users = "users:\n  - {name: default, passwordSha256: " + HASH + ", permissions: admin}\n";
        assertThatThrownBy(() -> ConfigLoader.parse(FILE, NODES + users)).isInstanceOf(ConfigException.class)
                .hasMessageContaining("'nodePasswordFile' is missing");
        assertThatThrownBy(() -> ConfigLoader.parse(FILE, NODES + "nodePasswordFile: x\n"))
                .isInstanceOf(ConfigException.class).hasMessageContaining("only used with 'users'");
        assertThatThrownBy(() -> ConfigLoader.parse(FILE, NODES + users + "nodePasswordFile: absent.pw\n"))
                .isInstanceOf(ConfigException.class).hasMessageContaining("cannot read");
    }
}
