// The code review's ESLint config (AutoDevOS, agents/review). It runs from the review's own
// toolchain with `eslint -c` over the files the run's tasks wrote: the app's own eslint.config.js
// is never loaded (a model-written config cannot turn a rule off) and stays as it is, so the
// app's `npm run lint` is unchanged. Inline `eslint-disable` comments are ignored for the same reason.
//
// The severity is the finding's: "error" blocks (it goes back to the agent that wrote the file),
// "warn" is listed in REVIEW.md and the run's summary.
import tsParser from "@typescript-eslint/parser";
import security from "eslint-plugin-security";

export default [
  {
    files: ["**/*.{ts,tsx,mts,cts,js,jsx,mjs,cjs}"],
    languageOptions: { parser: tsParser, ecmaVersion: "latest", sourceType: "module" },
    linterOptions: { noInlineConfig: true, reportUnusedDisableDirectives: "off" },
    plugins: { security },
    rules: {
      // code made from strings at run time
      "no-eval": "error",
      "no-implied-eval": "error",
      "no-new-func": "error",
      "security/detect-eval-with-expression": "error",
      "security/detect-non-literal-require": "error",
      // a shell or another program started from the app
      "security/detect-child-process": "error",
      // text that reads differently from how it runs
      "security/detect-bidi-characters": "error",
      "security/detect-invisible-characters": "warn",
      // unsafe or deprecated Node APIs, Express and template pitfalls
      "security/detect-buffer-noassert": "error",
      "security/detect-new-buffer": "error",
      "security/detect-pseudoRandomBytes": "error",
      "security/detect-no-csrf-before-method-override": "error",
      "security/detect-disable-mustache-escape": "error",
      // worth a person's look, often fine
      "security/detect-unsafe-regex": "warn",
      "security/detect-non-literal-regexp": "warn",
      "security/detect-non-literal-fs-filename": "warn",
      "security/detect-possible-timing-attacks": "warn",
      // off: it flags every obj[key], most TypeScript code; the types bound the keys
      "security/detect-object-injection": "off",
    },
  },
  {
    // tests read their own fixtures and start the app's servers
    files: ["**/tests/**", "**/__tests__/**", "**/e2e/**", "**/*.test.*", "**/*.e2e.*"],
    rules: { "security/detect-non-literal-fs-filename": "off", "security/detect-child-process": "warn" },
  },
];
