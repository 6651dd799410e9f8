package io.caucus.kv;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.networknt.schema.Error;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;
import io.caucus.kv.config.ClusterConfig;
import io.caucus.kv.config.ConfigLoader;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.snakeyaml.engine.v2.api.Load;
import org.snakeyaml.engine.v2.api.LoadSettings;

/**
 * The Kubernetes manifests under packaging/kubernetes/: every document is valid against the schema of its kind
 * (src/test/resources/kubernetes-schemas/, strict: an unknown field is an error; see
 * scripts/kubernetes-schemas.py), and the pieces agree with each other and with what a node reads: the
 * cluster file in the ConfigMap parses as a node parses it, lists exactly the StatefulSet's pods by their
 * stable DNS names, on the ports the containers and the Service name, with its data on the persistent volume.
 */
class KubernetesManifestsTest {

    private static final Path MANIFESTS = Path.of("..", "packaging", "kubernetes");
    private static final Map<String, String> SCHEMA_OF_KIND = Map.of(
            "Service", "service-v1.json",
            "ConfigMap", "configmap-v1.json",
            "StatefulSet", "statefulset-apps-v1.json",
            "PodDisruptionBudget", "poddisruptionbudget-policy-v1.json");
    private static final ObjectMapper JSON = new ObjectMapper();

    private static final Map<String, JsonNode> byKind = new HashMap<>();

    @BeforeAll
    static void readManifests() throws IOException {
        try (Stream<Path> files = Files.list(MANIFESTS)) {
            for (Path file : files.filter(f -> f.toString().endsWith(".yaml")).sorted().toList()) {
                Load load = new Load(LoadSettings.builder().setLabel(file.toString()).build());
                for (Object document : load.loadAllFromString(Files.readString(file))) {
                    JsonNode node = JSON.valueToTree(document);
                    assertThat(byKind.put(node.path("kind").asText(), node)).as("one " + node.path("kind")).isNull();
                }
            }
        }
        assertThat(byKind.keySet()).containsExactlyInAnyOrderElementsOf(SCHEMA_OF_KIND.keySet());
    }

    @Test
    void everyManifestIsValidAgainstTheSchemaOfItsKind() throws IOException {
        for (Map.Entry<String, JsonNode> manifest : byKind.entrySet()) {
            assertThat(errors(manifest.getValue())).as(manifest.getKey()).isEmpty();
        }
    }

    @Test
    void theSchemaCheckRefusesAMisspeltFieldAndAWrongType() throws IOException {
        ObjectNode misspelt = byKind.get("StatefulSet").deepCopy();
        ((ObjectNode) misspelt.get("spec")).put("replica", 3);
        assertThat(errors(misspelt)).isNotEmpty();

        ObjectNode wrongType = byKind.get("PodDisruptionBudget").deepCopy();
        ((ObjectNode) wrongType.get("spec")).putObject("maxUnavailable");
        assertThat(errors(wrongType)).isNotEmpty();
    }

    @Test
    void theClusterFileNamesEveryPodByItsStableNameOnTheContainersPortsWithDataOnTheVolume() {
        JsonNode statefulSet = byKind.get("StatefulSet");
        JsonNode service = byKind.get("Service");
        JsonNode pod = statefulSet.at("/spec/template/spec");
        JsonNode container = pod.at("/containers/0");
        String serviceName = service.at("/metadata/name").asText();

        // Stable DNS names from the first moment: a headless Service, publishing pods before they are ready.
        assertThat(statefulSet.at("/spec/serviceName").asText()).isEqualTo(serviceName);
        assertThat(service.at("/spec/clusterIP").asText()).isEqualTo("None");
        assertThat(service.at("/spec/publishNotReadyAddresses").asBoolean()).isTrue();
        JsonNode podLabels = statefulSet.at("/spec/template/metadata/labels");
        assertThat(labelsMatch(service.at("/spec/selector"), podLabels)).isTrue();
        assertThat(labelsMatch(byKind.get("PodDisruptionBudget").at("/spec/selector/matchLabels"), podLabels))
                .isTrue();

        ClusterConfig config = clusterFileAsANodeReadsIt(serviceName);
        int replicas = statefulSet.at("/spec/replicas").asInt();
        assertThat(config.nodes()).extracting(node -> node.id().value())
                .containsExactlyElementsOf(podNames(statefulSet.at("/metadata/name").asText(), replicas));
        assertThat(container.at("/env").findValuesAsText("value"))
                .as("CAUCUS_INITIAL_NODES").contains(Integer.toString(replicas));

        Map<String, Integer> ports = containerPorts(container);
        for (ClusterConfig.Node node : config.nodes()) {
            assertThat(node.raft().getPort()).isEqualTo(ports.get("raft"));
            assertThat(node.client().getPort()).isEqualTo(ports.get("redis"));
            assertThat(node.http().getPort()).isEqualTo(ports.get("http"));
        }
        for (JsonNode port : service.at("/spec/ports")) {
            assertThat(port.path("port").asInt()).as("Service port " + port.path("name"))
                    .isEqualTo(ports.get(port.path("targetPort").asText()));
        }
        assertThat(container.at("/readinessProbe/httpGet/path").asText()).isEqualTo("/health");
        assertThat(container.at("/readinessProbe/httpGet/port").asText()).isEqualTo("http");

        String script = container.at("/command/2").asText(); // sh -c SCRIPT
        String configDirectory = mountPath(container, pod.at("/volumes/0/name").asText());
        assertThat(pod.at("/volumes/0/configMap/name").asText()).isEqualTo(byKind.get("ConfigMap").at("/metadata/name").asText());
        assertThat(script).contains("server --config " + configDirectory + "/cluster.yaml --id \"$HOSTNAME\"");
        String dataMount = mountPath(container, statefulSet.at("/spec/volumeClaimTemplates/0/metadata/name").asText());
        assertThat(config.tunables().dataDirectory()).startsWithRaw(Path.of(dataMount));
    }

    /**
     * The ConfigMap's cluster.yaml through the node's own loader, so that every key is one the node reads. Pod
     * names resolve only inside the cluster, so each is swapped for a loopback address first.
     */
    private static ClusterConfig clusterFileAsANodeReadsIt(String serviceName) {
        String yaml = byKind.get("ConfigMap").at("/data/cluster.yaml").asText();
        String local = yaml.replaceAll("caucus-(\\d+)\\." + serviceName + ":", "127.0.0.1$1:");
        assertThat(local).as("every address is <pod>.<service>:port").doesNotContain("." + serviceName);
        ClusterConfig loopback = ConfigLoader.parse(Path.of("configmap-cluster.yaml"), local);
        for (ClusterConfig.Node node : loopback.nodes()) {
            String ordinal = node.id().value().substring(node.id().value().lastIndexOf('-') + 1);
            assertThat(node.raft().getHostString()).as(node.id() + "'s DNS name").isEqualTo("127.0.0.1" + ordinal);
        }
        return loopback;
    }

    private static List<String> errors(JsonNode manifest) throws IOException {
        String file = SCHEMA_OF_KIND.get(manifest.path("kind").asText());
        try (InputStream schemaText = KubernetesManifestsTest.class.getResourceAsStream("/kubernetes-schemas/" + file)) {
            Schema schema = SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_7).getSchema(schemaText);
            return schema.validate(manifest).stream().map(Error::toString).toList();
        }
    }

    private static boolean labelsMatch(JsonNode selector, JsonNode labels) {
        List<String> missing = new ArrayList<>();
        selector.properties().forEach(entry -> {
            if (!entry.getValue().equals(labels.get(entry.getKey()))) {
                missing.add(entry.getKey());
            }
        });
        return !selector.isEmpty() && missing.isEmpty();
    }

    private static List<String> podNames(String statefulSet, int replicas) {
        List<String> names = new ArrayList<>();
        for (int i = 0; i < replicas; i++) {
            names.add(statefulSet + "-" + i);
        }
        return names;
    }

    private static Map<String, Integer> containerPorts(JsonNode container) {
        Map<String, Integer> ports = new HashMap<>();
        container.path("ports").forEach(port -> ports.put(port.path("name").asText(), port.path("containerPort").asInt()));
        return ports;
    }

    private static String mountPath(JsonNode container, String volume) {
        for (JsonNode mount : container.path("volumeMounts")) {
            if (mount.path("name").asText().equals(volume)) {
                return mount.path("mountPath").asText();
            }
        }
        throw new AssertionError("no mount of volume " + volume);
    }
}
