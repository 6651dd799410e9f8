package io.caucus.kv;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.openqa.selenium.By;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.StaleElementReferenceException;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import redis.clients.jedis.Jedis;

/**
 * The live cluster view in a real browser: Debian's headless Chromium, driven through chromedriver, shows a real
 * three-process cluster, its leader, and the new leader after the old one is killed; {@code caucus status}
 * agrees (every node ok, then the killed one down and exit code 1). Screenshots go to
 * {@code target/cluster-view*.png}. Without /usr/bin/chromium and /usr/bin/chromedriver (installed by
 * {@code scripts/ensure-packages.sh chromium chromium-driver}, which .ci/run runs) the test is skipped, saying so.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ClusterViewBrowserIT {

    private static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    private static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");
    /** The page polls once a second; an election takes one to two seconds at the test's 100 ms tick. */
    private static final Duration NEW_LEADER_SHOWN = Duration.ofSeconds(15);

    private ProcessCluster cluster;
    private ChromeDriver browser;

    @BeforeAll
    void start() throws IOException {
        Assumptions.assumeTrue(Files.isExecutable(CHROMIUM) && Files.isExecutable(CHROMEDRIVER),
                "no headless browser: install Debian's chromium and chromium-driver "
                        + "(scripts/ensure-packages.sh chromium chromium-driver) to run the cluster view test");
        cluster = new ProcessCluster(ProcessCluster.freshDirectory("cluster-view-test"), 3, 4000);
        cluster.startAll();
        ChromeOptions options = new ChromeOptions().setBinary(CHROMIUM.toFile())
                // The flags that keep Chromium from dialling out on a machine with a closed network.
                .addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                        "--disable-quic", "--no-first-run", "--disable-background-networking",
                        "--disable-component-update", "--disable-sync", "--window-size=1400,900");
        ChromeDriverService service = new ChromeDriverService.Builder()
                .usingDriverExecutable(CHROMEDRIVER.toFile()).usingAnyFreePort().build();
        browser = new ChromeDriver(service, options);
    }

    @AfterAll
    void stop() {
        if (browser != null) {
            browser.quit();
        }
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    void showsTheLeaderAndTheNewLeaderAfterTheLeaderIsKilled() throws Exception {
        String leader = cluster.awaitLeader(cluster.ids());
        String viewer = cluster.ids().stream().filter(id -> !id.equals(leader)).findFirst().orElseThrow();
        browser.get("http://" + cluster.adminAddress(viewer) + "/");

        cluster.poll(NEW_LEADER_SHOWN, () -> text("leader").equals(leader) && rows("up").size() == 3 ? true : null,
                "the page on " + viewer + " shows leader " + leader + " and three nodes up");
        assertThat(row(leader).getAttribute("data-role")).isEqualTo("leader");
        showsWritesPerSecondWhileWriting(viewer);
        browser.findElement(By.id("snapshot")).click();
        cluster.poll(NEW_LEADER_SHOWN, () -> browser.findElement(By.id("events")).getText()
                .contains(viewer + " took a snapshot") ? true : null, "the page shows the snapshot as an event");
        screenshot("cluster-view.png");
        String healthy = cluster.poll(NEW_LEADER_SHOWN, () -> {
            CaucusCommand status = caucusStatus();
            return status.exitCode() == 0 ? status.out() : null;
        }, "caucus status exits 0 with every node healthy");
        assertThat(healthy.lines().skip(1)).hasSize(3).allSatisfy(row -> assertThat(row).matches(
                "n\\d +(leader|follower) +voter +\\d+ +" + leader + " +\\d+ +\\d+ +\\d+ +\\d+ +ok +127.*"));

        cluster.kill(leader);
        List<String> survivors = cluster.ids().stream().filter(id -> !id.equals(leader)).toList();
        String shown = cluster.poll(NEW_LEADER_SHOWN, () -> {
            String now = text("leader");
            boolean killedShownDown = "down".equals(stateShown(leader));
            return survivors.contains(now) && killedShownDown ? now : null;
        }, "the page shows a new leader among " + survivors + " and " + leader + " down");
        assertThat(shown).isEqualTo(cluster.awaitLeader(survivors));
        assertThat(browser.findElement(By.id("events")).getText())
                .contains(leader + " is down").contains("leader is now " + shown);
        screenshot("cluster-view-after-failover.png");

        CaucusCommand afterKill = caucusStatus();
        assertThat(afterKill.exitCode()).isEqualTo(1);
        assertThat(afterKill.out()).containsPattern("(?m)^" + leader + " +unreachable .* down +127");
    }

    /** {@code caucus status --config FILE}, run in this JVM. */
    private CaucusCommand caucusStatus() {
        return CaucusCommand.run("status", "--config", cluster.clusterFile.toString());
    }

    /** Writes through {@code viewer} until the page reports a write rate above zero. */
    private void showsWritesPerSecondWhileWriting(String viewer) {
        AtomicBoolean seen = new AtomicBoolean();
        Thread writer = Thread.ofPlatform().daemon().name("cluster-view-writer").start(() -> {
            try (Jedis jedis = cluster.client(viewer)) {
                for (int i = 0; !seen.get(); i++) {
                    jedis.set("view-key-" + (i % 100), "value-" + i);
                }
            }
        });
        try {
            cluster.poll(NEW_LEADER_SHOWN, () -> Long.parseLong(text("cluster-writes")) > 0 ? true : null,
                    "the page shows writes per second above zero while a client writes");
        } finally {
            seen.set(true);
        }
        try {
            writer.join(Duration.ofSeconds(30));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private String text(String id) {
        return browser.findElement(By.id(id)).getText().trim();
    }

    private List<WebElement> rows(String state) {
        return browser.findElements(By.cssSelector("#nodes tbody tr[data-state='" + state + "']"));
    }

    private WebElement row(String id) {
        return browser.findElement(By.cssSelector("#nodes tbody tr[data-node='" + id + "']"));
    }

    /** The state the page shows for a node; null if the row was redrawn between finding and reading it. */
    private String stateShown(String id) {
        try {
            return row(id).getAttribute("data-state");
        } catch (StaleElementReferenceException redrawn) {
            return null; // the page redraws the table every second: the next poll reads the new row
        }
    }

    private void screenshot(String name) throws IOException {
        Path shot = browser.getScreenshotAs(OutputType.FILE).toPath();
        Files.copy(shot, Path.of("target", name).toAbsolutePath(), StandardCopyOption.REPLACE_EXISTING);
    }
}
