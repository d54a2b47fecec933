import { describe, expect, it } from "vitest";
import Ajv2020 from "ajv/dist/2020";
import { jsonProblems, refusalProblems } from "./schema-lines";

const ajvMessage = (schema: object) => {
  try {
    new Ajv2020({ strict: false }).compile(schema);
    return "";
  } catch (e) {
    return (e as Error).message;
  }
};

describe("the schema editor's problems at their line", () => {
  it("points at the line where the text stops being JSON", () => {
    expect(jsonProblems('{\n  "type": "object",\n}')).toEqual([{ line: 3, message: "not JSON: a property name in double quotes expected" }]);
    expect(jsonProblems('{ "type": "object" }')).toEqual([]);
  });

  it("points at the line of the keyword the validator refuses", () => {
    const text = '{\n  "type": "object",\n  "properties": {\n    "port": { "type": "strin" }\n  }\n}';
    const problems = refusalProblems(text, [ajvMessage(JSON.parse(text) as object)]);
    expect(problems[0]).toEqual({ line: 4, message: "properties.port.type must be equal to one of the allowed values" });
    expect(problems).toHaveLength(1);
  });
});
