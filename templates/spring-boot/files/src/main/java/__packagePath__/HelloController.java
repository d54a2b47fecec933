package <%= it.javaPackage(it.params.groupId) %>.<%= it.names.package %>;

import org.springframework.beans.factory.annotation.Value;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RestController;

/** The hello endpoints. Health and readiness come from Spring Boot Actuator (/actuator/health/*). */
@RestController
public class HelloController {

    /** The JSON body of every answer. */
    public record Greeting(String message) {}

    private final String greeting;
    private final String name;

    public HelloController(
            @Value("${app.greeting:Hello}") String greeting,
            @Value("${spring.application.name}") String name) {
        this.greeting = greeting;
        this.name = name;
    }

    @GetMapping("/")
    public Greeting index() {
        return new Greeting(greeting + " from " + name + "!");
    }

    @GetMapping("/hello/{who}")
    public Greeting hello(@PathVariable String who) {
        String shortened = who.length() > 64 ? who.substring(0, 64) : who;
        return new Greeting(greeting + ", " + shortened + "!");
    }
}
