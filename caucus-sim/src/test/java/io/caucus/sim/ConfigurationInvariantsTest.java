package io.caucus.sim;

import static io.caucus.sim.Scenarios.nodes;
import static org.assertj.core.api.Assertions.assertThat;

import io.caucus.core.ClusterConfiguration;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ConfigurationInvariantsTest {

    private static final ClusterConfiguration THREE = ClusterConfiguration.ofVoters(nodes(1, 2, 3));

    @Test
    void legalStepsAreOneLearnerOrEnteringAndLeavingAJointConfiguration() {
        ClusterConfiguration withLearner = new ClusterConfiguration(nodes(1, 2, 3), Set.of(), nodes(4));
        ClusterConfiguration promoting = new ClusterConfiguration(nodes(1, 2, 3, 4), nodes(1, 2, 3), Set.of());
        ClusterConfiguration removing = new ClusterConfiguration(nodes(1, 2), nodes(1, 2, 3), Set.of());
        assertThat(ConfigurationInvariants.isOneStep(THREE, withLearner)).isTrue();
        assertThat(ConfigurationInvariants.isOneStep(withLearner, promoting)).isTrue();
        assertThat(ConfigurationInvariants.isOneStep(promoting, ClusterConfiguration.ofVoters(nodes(1, 2, 3, 4))))
                .isTrue();
        assertThat(ConfigurationInvariants.isOneStep(THREE, removing)).isTrue();
        assertThat(ConfigurationInvariants.isOneStep(removing, ClusterConfiguration.ofVoters(nodes(1, 2)))).isTrue();
    }

    @Test
    void skippingTheJointConfigurationOrChangingTwoVotersIsCaught() {
        assertThat(ConfigurationInvariants.isOneStep(THREE, ClusterConfiguration.ofVoters(nodes(1, 2, 3, 4))))
                .isFalse();
        assertThat(ConfigurationInvariants.isOneStep(THREE,
                new ClusterConfiguration(nodes(1, 4, 5), nodes(1, 2, 3), Set.of()))).isFalse();
        ClusterConfiguration joint = new ClusterConfiguration(nodes(1, 2, 3, 4), nodes(1, 2, 3), Set.of());
        assertThat(ConfigurationInvariants.isOneStep(joint, THREE)).isFalse();
        assertThat(ConfigurationInvariants.isOneStep(THREE, THREE)).isFalse();
    }
}
