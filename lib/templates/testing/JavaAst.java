import com.sun.source.tree.*;
import com.sun.source.util.*;
import java.nio.charset.StandardCharsets;
import java.util.*;
import javax.tools.*;

/** Parses Java files (no attribution: their imports need not resolve) and prints, per file, its syntax errors, tree shape and string literals as JSON. */
public class JavaAst {
  static String str(String s) {
    StringBuilder b = new StringBuilder("\"");
    for (char c : s.toCharArray()) {
      if (c == '"' || c == '\\') b.append('\\').append(c);
      else if (c < 0x20 || c > 0x7e) b.append(String.format("\\u%04x", (int) c));
      else b.append(c);
    }
    return b.append('"').toString();
  }

  static String list(List<String> items) {
    StringJoiner j = new StringJoiner(",", "[", "]");
    for (String s : items) j.add(str(s));
    return j.toString();
  }

  public static void main(String[] args) throws Exception {
    JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
    StringJoiner out = new StringJoiner(",", "[", "]");
    for (String path : args) {
      DiagnosticCollector<JavaFileObject> diags = new DiagnosticCollector<>();
      StandardJavaFileManager files = javac.getStandardFileManager(diags, null, StandardCharsets.UTF_8);
      JavacTask task = (JavacTask) javac.getTask(null, files, diags, List.of("-proc:none"), null, files.getJavaFileObjects(path));
      List<String> shape = new ArrayList<>();
      List<String> literals = new ArrayList<>();
      String pkg = "";
      for (CompilationUnitTree unit : task.parse()) {
        if (unit.getPackageName() != null) pkg = unit.getPackageName().toString();
        new TreeScanner<Void, Void>() {
          @Override
          public Void scan(Tree tree, Void p) {
            if (tree != null) shape.add(tree.getKind().name());
            return super.scan(tree, p);
          }

          @Override
          public Void visitLiteral(LiteralTree tree, Void p) {
            if (tree.getValue() instanceof String) literals.add((String) tree.getValue());
            return super.visitLiteral(tree, p);
          }
        }.scan(unit, null);
      }
      List<String> errors = new ArrayList<>();
      for (Diagnostic<? extends JavaFileObject> d : diags.getDiagnostics())
        if (d.getKind() == Diagnostic.Kind.ERROR) errors.add("line " + d.getLineNumber() + ": " + d.getMessage(Locale.ROOT));
      out.add("{\"file\":" + str(path) + ",\"package\":" + str(pkg) + ",\"errors\":" + list(errors) + ",\"shape\":" + list(shape) + ",\"literals\":" + list(literals) + "}");
    }
    System.out.println(out);
  }
}
