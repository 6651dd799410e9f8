package io.caucus.kv.state;

/**
 * A fingerprint of a replica's key-value map at one applied index, served on {@code GET /digest}. Replicas
 * that applied the same log prefix must report equal digests (State Machine Safety, Raft §5.4.3); the chaos
 * tester compares them after healing.
 *
 * @param appliedIndex the last log index applied to the map
 * @param keys         the number of keys
 * @param sha256       SHA-256 over the entries in key order, each as length-prefixed key and value, in hex
 */
public record StateDigest(long appliedIndex, int keys, String sha256) {

    public String toJson() {
        return "{\"applied\":" + appliedIndex + ",\"keys\":" + keys + ",\"sha256\":\"" + sha256 + "\"}\n";
    }
}
