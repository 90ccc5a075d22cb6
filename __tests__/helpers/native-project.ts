import type { TestRepo } from './repo.js'

/* Native project files as Capacitor's templates write them, with the app versions given. */

/** android/app/build.gradle as `npx cap add android` writes it (Capacitor 6), with the versions given. */
const gradle = (name: string, code: number) => `apply plugin: 'com.android.application'

android {
    namespace "com.example.repo"
    compileSdk rootProject.ext.compileSdkVersion
    defaultConfig {
        applicationId "com.example.repo"
        minSdkVersion rootProject.ext.minSdkVersion
        targetSdkVersion rootProject.ext.targetSdkVersion
        versionCode ${code}
        // versionName "0.9"
        versionName "${name}"
        testInstrumentationRunner "androidx.test.runner.AndroidJUnitRunner"
    }
    buildTypes {
        release {
            minifyEnabled false
        }
    }
}
`

/** One XCBuildConfiguration section of the App target, as Capacitor 6's template has it. */
const buildConfiguration = (id: string, config: string, name: string, code: number) => `		${id} /* ${config} */ = {
			isa = XCBuildConfiguration;
			buildSettings = {
				CURRENT_PROJECT_VERSION = ${code};
				INFOPLIST_FILE = App/Info.plist;
				MARKETING_VERSION = ${name};
				PRODUCT_BUNDLE_IDENTIFIER = com.example.repo;
			};
			name = ${config};
		};
`

/** project.pbxproj with the App target's Debug and Release configurations. */
export const pbxproj = (name: string, code: number, releaseName = name) =>
  `// !$*UTF8*$!\n{\n\tobjects = {\n${buildConfiguration('504EC3171FED79650016851F', 'Debug', name, code)}${buildConfiguration('504EC3181FED79650016851F', 'Release', releaseName, code)}\t};\n}\n`

export const infoPlist = (shortVersion: string) => `<?xml version="1.0" encoding="UTF-8"?>
<plist version="1.0">
<dict>
	<key>CFBundleShortVersionString</key>
	<string>${shortVersion}</string>
	<key>CFBundleVersion</key>
	<string>$(CURRENT_PROJECT_VERSION)</string>
</dict>
</plist>
`

export function nativeApp(repo: TestRepo, name: string, code: number): TestRepo {
  return repo
    .write('android/app/build.gradle', gradle(name, code))
    .write('ios/App/App.xcodeproj/project.pbxproj', pbxproj(name, code))
    .write('ios/App/App/Info.plist', infoPlist('$(MARKETING_VERSION)'))
}
