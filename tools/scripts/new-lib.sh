#!/usr/bin/env bash
# Scaffold a library: tools/scripts/new-lib.sh <name> <scope-tag> [dep-lib ...]
# e.g. tools/scripts/new-lib.sh psf scope:stage core fits
set -euo pipefail
name=$1; tag=$2; shift 2
dir=libs/$name
mkdir -p "$dir/src"
deps=""; refs=""
for d in "$@"; do
  deps="$deps\"@pixsed/$d\": \"*\","
  refs="$refs{ \"path\": \"../$d\" },"
done
deps=${deps%,}; refs=${refs%,}
cat > "$dir/package.json" <<JSON
{
  "name": "@pixsed/$name",
  "version": "0.1.0",
  "private": true,
  "type": "module",
  "main": "./dist/index.js",
  "types": "./dist/index.d.ts",
  "exports": {
    ".": { "types": "./dist/index.d.ts", "default": "./dist/index.js" },
    "./node": { "types": "./dist/node/index.d.ts", "default": "./dist/node/index.js" }
  },
  "scripts": {
    "build": "tsc -b",
    "lint": "eslint src",
    "test": "vitest run --config ../../vitest.config.ts --root . --passWithNoTests --reporter=default --reporter=json --outputFile.json=.test-results/vitest.json"
  },
  "dependencies": { $deps },
  "nx": { "tags": ["$tag"] }
}
JSON
cat > "$dir/tsconfig.json" <<JSON
{
  "extends": "../../tsconfig.base.json",
  "compilerOptions": { "rootDir": "src", "outDir": "dist", "tsBuildInfoFile": "dist/tsconfig.tsbuildinfo" },
  "include": ["src/**/*.ts"],
  "exclude": ["src/**/*.test.ts"],
  "references": [ $refs ]
}
JSON
[ -f "$dir/src/index.ts" ] || echo "export {};" > "$dir/src/index.ts"
echo "created $dir"
