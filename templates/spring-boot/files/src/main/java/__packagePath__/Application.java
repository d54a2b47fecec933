package <%= it.javaPackage(it.params.groupId) %>.<%= it.names.package %>;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;

/** <%= it.project.slug %>: the Spring Boot entry point. */
@SpringBootApplication
public class Application {

    public static void main(String[] args) {
        SpringApplication.run(Application.class, args);
    }
}
