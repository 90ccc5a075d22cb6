import { CAPACITOR_CONFIGS } from '../project.js'
import type { SourceTree } from './tree.js'

/** The app's framework, and whether this action can ship its updates: web bundles of Capacitor and Cordova apps only. */
export type Framework =
  | { kind: 'supported'; name: 'capacitor' | 'cordova' | 'web' }
  | { kind: 'unsupported'; name: 'flutter' | 'react-native'; reason: string; file: string }

function dependencies(packageJson: Buffer | undefined): Record<string, string> {
  if (!packageJson) return {}
  try {
    const parsed = JSON.parse(packageJson.toString('utf8'))
    return { ...parsed.devDependencies, ...parsed.dependencies }
  } catch {
    return {}
  }
}

/** Which kind of app this is: only web-engine code (Capacitor, Cordova, plain web) can be live-updated. */
export async function detectFramework(tree: SourceTree): Promise<Framework> {
  const pubspec = await tree.read('pubspec.yaml')
  if (pubspec && /^\s*(flutter\s*:|\s+sdk\s*:\s*flutter)/m.test(pubspec.toString('utf8'))) {
    return { kind: 'unsupported', name: 'flutter', file: 'pubspec.yaml', reason: 'Flutter app: Dart is compiled to native code, so its updates must go through the stores' }
  }
  const deps = dependencies(await tree.read('package.json'))
  if (deps['react-native'] || deps.expo) {
    return { kind: 'unsupported', name: 'react-native', file: 'package.json', reason: 'React Native / Expo app: not supported yet by this action (it ships web bundles for Capacitor and Cordova)' }
  }
  for (const file of CAPACITOR_CONFIGS) if (await tree.read(file)) return { kind: 'supported', name: 'capacitor' }
  if (deps['@capacitor/core']) return { kind: 'supported', name: 'capacitor' }
  if (await tree.read('config.xml')) return { kind: 'supported', name: 'cordova' }
  return { kind: 'supported', name: 'web' }
}
