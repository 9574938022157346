import js from '@eslint/js'
import tseslint from 'typescript-eslint'
import globals from 'globals'

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'data/**', 'web/dist/**', 'coverage/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-constant-condition': ['error', { checkLoops: false }],
    },
  },
  { files: ['bin/**/*.js'], languageOptions: { globals: globals.node } },
  // The dashboard runs in browsers; its Vite config, in Node.
  { files: ['web/**/*.{js,ts,tsx}'], languageOptions: { globals: globals.browser } },
  { files: ['web/vite.config.ts'], languageOptions: { globals: globals.node } },
)
