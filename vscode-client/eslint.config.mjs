// Lint: eslint's recommended rules plus typescript-eslint's type-aware ones.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
    { ignores: ['out/**', 'dist/**', 'node_modules/**', '*.mjs'] },
    js.configs.recommended,
    ...tseslint.configs.recommendedTypeChecked,
    {
        languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
        rules: {
            eqeqeq: ['error', 'always'],
            curly: ['error', 'multi-line'],
            'no-console': 'off',
            '@typescript-eslint/no-floating-promises': 'error',
            '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
            '@typescript-eslint/no-non-null-assertion': 'error',
        },
    },
    {
        // run in plain Node by the tests: no VS Code API here
        files: ['src/protocol.ts', 'test/**/*.ts'],
        rules: {
            'no-restricted-imports': ['error', {
                paths: ['vscode', 'vscode-languageclient', 'vscode-languageclient/node'],
                patterns: ['**/extension'],
            }],
        },
    },
    {
        // the test reads the child's pipes, which exist by construction (stdio: 'pipe')
        files: ['test/**/*.ts'],
        rules: { '@typescript-eslint/no-non-null-assertion': 'off' },
    },
);
