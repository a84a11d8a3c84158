package dev.spillway.transforms;

import static org.junit.Assert.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.List;
import java.util.Map;
import org.junit.Before;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

/**
 * A Flink TaskManager's {@code io.tmp.dirs} read from its command line as Flink reads them (here,
 * where Flink's classes are on the class path): its configuration directory, then its dynamic
 * properties; anything else is no TaskManager, and the engines keep {@code java.io.tmpdir}. {@code
 * FlinkClusterTest} checks the same on a session cluster's TaskManagers.
 */
public class RunnerTempDirectoriesTest {
  private static final String TASK_MANAGER =
      "org.apache.flink.runtime.taskexecutor.TaskManagerRunner";
  private static final String YARN_TASK_MANAGER = "org.apache.flink.yarn.YarnTaskExecutorRunner";

  @Rule public final TemporaryFolder tmp = new TemporaryFolder();

  private String conf;

  @Before
  public void writeConfiguration() throws Exception {
    Path dir = tmp.newFolder("conf").toPath();
    Files.writeString(dir.resolve("flink-conf.yaml"), "io.tmp.dirs: /disk1/tmp,/disk2/tmp\n");
    conf = dir.toString();
  }

  private static List<Path> dirs(String... arguments) {
    return RunnerTempDirectories.ofFlinkTaskManager(List.of(arguments), Map.of());
  }

  private static List<Path> dirsOnYarn(String localDirs, String... arguments) {
    return RunnerTempDirectories.ofFlinkTaskManager(
        List.of(arguments), Map.of(RunnerTempDirectories.YARN_LOCAL_DIRS, localDirs));
  }

  @Test
  public void aTaskManagerSpillsToTheDirectoriesOfItsConfiguration() {
    assertEquals(
        List.of(Paths.get("/disk1/tmp"), Paths.get("/disk2/tmp")),
        dirs("java", "-Xmx1g", "-cp", "a.jar", TASK_MANAGER, "--configDir", conf));
  }

  @Test
  public void dynamicPropertiesOverrideTheConfigurationAsFlinkDoes() {
    assertEquals(
        List.of(Paths.get("/fast")),
        dirs("java", TASK_MANAGER, "--configDir", conf, "-D", "io.tmp.dirs=/fast"));
    assertEquals(
        List.of(Paths.get("/faster")),
        dirs("java", TASK_MANAGER, "-c", conf, "-Dio.tmp.dirs=/faster"));
  }

  @Test
  public void onYarnATaskManagerWithoutIoTmpDirsSpillsToTheContainersLocalDirectories()
      throws Exception {
    Path bare = tmp.newFolder("bare").toPath();
    Files.writeString(bare.resolve("flink-conf.yaml"), "taskmanager.numberOfTaskSlots: 2\n");
    String local = "/yarn/nm1/usercache/app,/yarn/nm2/usercache/app";
    assertEquals(
        List.of(Paths.get("/yarn/nm1/usercache/app"), Paths.get("/yarn/nm2/usercache/app")),
        dirsOnYarn(local, "java", YARN_TASK_MANAGER, "--configDir", bare.toString()));
    // As Flink does: the configuration's own io.tmp.dirs wins, also from a dynamic property.
    assertEquals(
        List.of(Paths.get("/disk1/tmp"), Paths.get("/disk2/tmp")),
        dirsOnYarn(local, "java", YARN_TASK_MANAGER, "--configDir", conf));
    assertEquals(
        List.of(Paths.get("/fast")),
        dirsOnYarn(
            local,
            "java",
            YARN_TASK_MANAGER,
            "--configDir",
            bare.toString(),
            "-Dio.tmp.dirs=/fast"));
    // YARN's variable means nothing to a TaskManager YARN did not start.
    assertEquals(
        List.of(Paths.get(System.getProperty("java.io.tmpdir"))),
        dirsOnYarn(local, "java", TASK_MANAGER, "--configDir", bare.toString()));
  }

  @Test
  public void anythingButATaskManagerWithAReadableConfigurationKeepsJavaIoTmpdir() {
    assertEquals(List.of(), dirs("java", "-cp", "a.jar", "com.example.Main", "--configDir", conf));
    assertEquals(List.of(), dirs("java", TASK_MANAGER));
    assertEquals(List.of(), dirs("java", TASK_MANAGER, "--configDir"));
    assertEquals(List.of(), dirs("java", TASK_MANAGER, "--configDir", conf + "/missing"));
    assertEquals(List.of(), dirs());
  }
}
