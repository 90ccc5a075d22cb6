import { CAPACITOR_CONFIGS } from '../project.js'
import type { SourceTree } from './tree.js'

export type Framework =
  | { name: 'capacitor' | 'cordova' | 'web'; supported: true }
  | { name: 'flutter' | 'react-native'; supported: false; reason: string; file: string }

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
    return { name: 'flutter', supported: false, file: 'pubspec.yaml', reason: 'Flutter app: Dart is compiled to native code, so its updates must go through the stores' }
  }
  const deps = dependencies(await tree.read('package.json'))
  if (deps['react-native'] || deps.expo) {
    return { name: 'react-native', supported: false, file: 'package.json', reason: 'React Native / Expo app: not supported yet by this action (it ships web bundles for Capacitor and Cordova)' }
  }
  for (const file of CAPACITOR_CONFIGS) if (await tree.read(file)) return { name: 'capacitor', supported: true }
  if (deps['@capacitor/core']) return { name: 'capacitor', supported: true }
  if (await tree.read('config.xml')) return { name: 'cordova', supported: true }
  return { name: 'web', supported: true }
}
