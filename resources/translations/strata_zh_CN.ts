<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="zh_CN">
  <context>
    <name>Strata</name>
    <message>
      <source>Add a node…</source>
      <translation>添加节点…</translation>
    </message>
    <message>
      <source>Duplicate</source>
      <translation>复制一份</translation>
    </message>
    <message>
      <source>Palette</source>
      <translation>组件库</translation>
    </message>
    <message>
      <source>Inspector</source>
      <translation>属性</translation>
    </message>
    <message>
      <source>Ready</source>
      <translation>就绪</translation>
    </message>
    <message>
      <source>New</source>
      <translation>新建</translation>
    </message>
    <message>
      <source>Open…</source>
      <translation>打开…</translation>
    </message>
    <message>
      <source>Examples…</source>
      <translation>示例…</translation>
    </message>
    <message>
      <source>Save</source>
      <translation>保存</translation>
    </message>
    <message>
      <source>Save As…</source>
      <translation>另存为…</translation>
    </message>
    <message>
      <source>Export Python…</source>
      <translation>导出 Python…</translation>
    </message>
    <message>
      <source>Quit</source>
      <translation>退出</translation>
    </message>
    <message>
      <source>Undo</source>
      <translation>撤销</translation>
    </message>
    <message>
      <source>Redo</source>
      <translation>重做</translation>
    </message>
    <message>
      <source>Cut</source>
      <translation>剪切</translation>
    </message>
    <message>
      <source>Copy</source>
      <translation>复制</translation>
    </message>
    <message>
      <source>Paste</source>
      <translation>粘贴</translation>
    </message>
    <message>
      <source>Delete</source>
      <translation>删除</translation>
    </message>
    <message>
      <source>Select All</source>
      <translation>全选</translation>
    </message>
    <message>
      <source>Add Node…</source>
      <translation>添加节点…</translation>
    </message>
    <message>
      <source>Settings…</source>
      <translation>设置…</translation>
    </message>
    <message>
      <source>Group into Block</source>
      <translation>组合为模块</translation>
    </message>
    <message>
      <source>Unpack Block</source>
      <translation>拆开模块</translation>
    </message>
    <message>
      <source>Enter Block</source>
      <translation>进入模块</translation>
    </message>
    <message>
      <source>Leave Block</source>
      <translation>离开模块</translation>
    </message>
    <message>
      <source>Rename Block…</source>
      <translation>重命名模块…</translation>
    </message>
    <message>
      <source>Duplicate as New Definition</source>
      <translation>复制为新定义</translation>
    </message>
    <message>
      <source>Fit All</source>
      <translation>显示全部</translation>
    </message>
    <message>
      <source>Zoom 1:1</source>
      <translation>缩放 1:1</translation>
    </message>
    <message>
      <source>Zoom In</source>
      <translation>放大</translation>
    </message>
    <message>
      <source>Zoom Out</source>
      <translation>缩小</translation>
    </message>
    <message>
      <source>Presentation</source>
      <translation>演示模式</translation>
    </message>
    <message>
      <source>Dark Theme</source>
      <translation>深色主题</translation>
    </message>
    <message>
      <source>Light Theme</source>
      <translation>浅色主题</translation>
    </message>
    <message>
      <source>Snap to Grid</source>
      <translation>吸附到网格</translation>
    </message>
    <message>
      <source>Minimap</source>
      <translation>小地图</translation>
    </message>
    <message>
      <source>Auto Layout</source>
      <translation>自动布局</translation>
    </message>
    <message>
      <source>Strata projects and Keras models (*.strata *.keras);;All files (*)</source>
      <translation>Strata 项目和 Keras 模型 (*.strata *.keras);;所有文件 (*)</translation>
    </message>
    <message>
      <source>Flow Left to Right</source>
      <translation>从左到右排列</translation>
    </message>
    <message>
      <source>Flow Top to Bottom</source>
      <translation>从上到下排列</translation>
    </message>
    <message>
      <source>Fold Repeated Blocks</source>
      <translation>折叠重复的块</translation>
    </message>
    <message>
      <source>Fold Repeated Blocks works on the Model: leave the block first.</source>
      <translation>折叠重复的块作用于模型：请先退出当前块。</translation>
    </message>
    <message>
      <source>No repeated structure to fold.</source>
      <translation>没有可折叠的重复结构。</translation>
    </message>
    <message>
      <source>Folded {} repeats into {} block definitions.</source>
      <translation>已将 {} 处重复折叠为 {} 个块定义。</translation>
    </message>
    <message>
      <source>Device used for training</source>
      <translation>用于训练的设备</translation>
    </message>
    <message>
      <source>Find node…</source>
      <translation>查找节点…</translation>
    </message>
    <message>
      <source>&amp;File</source>
      <translation>文件(&amp;F)</translation>
    </message>
    <message>
      <source>Open Recent</source>
      <translation>最近打开</translation>
    </message>
    <message>
      <source>&amp;Edit</source>
      <translation>编辑(&amp;E)</translation>
    </message>
    <message>
      <source>&amp;Arrange</source>
      <translation>排列(&amp;A)</translation>
    </message>
    <message>
      <source>&amp;Block</source>
      <translation>模块(&amp;B)</translation>
    </message>
    <message>
      <source>&amp;View</source>
      <translation>视图(&amp;V)</translation>
    </message>
    <message>
      <source>Main</source>
      <translation>主工具栏</translation>
    </message>
    <message>
      <source>Untitled</source>
      <translation>未命名</translation>
    </message>
    <message>
      <source>Unsaved changes</source>
      <translation>未保存的更改</translation>
    </message>
    <message>
      <source>Open project</source>
      <translation>打开项目</translation>
    </message>
    <message>
      <source>Strata projects (*.strata);;All files (*)</source>
      <translation>Strata 项目 (*.strata);;所有文件 (*)</translation>
    </message>
    <message>
      <source>Save project</source>
      <translation>保存项目</translation>
    </message>
    <message>
      <source>Strata projects (*.strata)</source>
      <translation>Strata 项目 (*.strata)</translation>
    </message>
    <message>
      <source>Export Python</source>
      <translation>导出 Python</translation>
    </message>
    <message>
      <source>Python files (*.py)</source>
      <translation>Python 文件 (*.py)</translation>
    </message>
    <message>
      <source>Problems</source>
      <translation>问题</translation>
    </message>
    <message>
      <source>Summary</source>
      <translation>摘要</translation>
    </message>
    <message>
      <source>Code</source>
      <translation>代码</translation>
    </message>
    <message>
      <source>Align Left</source>
      <translation>左对齐</translation>
    </message>
    <message>
      <source>Align Top</source>
      <translation>顶部对齐</translation>
    </message>
    <message>
      <source>Align Centres Horizontally</source>
      <translation>水平居中对齐</translation>
    </message>
    <message>
      <source>Distribute Horizontally</source>
      <translation>水平均匀分布</translation>
    </message>
    <message>
      <source>Distribute Vertically</source>
      <translation>垂直均匀分布</translation>
    </message>
    <message>
      <source>Train</source>
      <translation>训练</translation>
    </message>
    <message>
      <source>Stop</source>
      <translation>停止</translation>
    </message>
    <message>
      <source>Reset Layout</source>
      <translation>重置布局</translation>
    </message>
    <message>
      <source>No problems</source>
      <translation>没有问题</translation>
    </message>
    <message>
      <source>Select the nodes to group first.</source>
      <translation>请先选择要组合的节点。</translation>
    </message>
    <message>
      <source>Rename Block</source>
      <translation>重命名模块</translation>
    </message>
    <message>
      <source>Class name</source>
      <translation>类名</translation>
    </message>
    <message>
      <source>Run custom code?</source>
      <translation>运行自定义代码？</translation>
    </message>
    <message>
      <source>Recover work</source>
      <translation>恢复工作</translation>
    </message>
    <message>
      <source>The file is kept as {}.</source>
      <translation>该文件已保留为 {}。</translation>
    </message>
    <message>
      <source>Settings and recent files cannot be saved to {}</source>
      <translation>无法将设置和最近文件保存到 {}</translation>
    </message>
    <message>
      <source>Strata closed with unsaved changes. Restore them?</source>
      <translation>Strata 上次关闭时有未保存的更改。要恢复吗？</translation>
    </message>
    <message>
      <source>No node matches “{}”</source>
      <translation>没有与“{}”匹配的节点</translation>
    </message>
    <message>
      <source>Align</source>
      <translation>对齐</translation>
    </message>
    <message>
      <source>Distribute</source>
      <translation>均匀分布</translation>
    </message>
    <message>
      <source>Save changes to {}?</source>
      <translation>保存对 {} 的更改吗？</translation>
    </message>
    <message>
      <source>Cannot open</source>
      <translation>无法打开</translation>
    </message>
    <message>
      <source>Cannot save</source>
      <translation>无法保存</translation>
    </message>
    <message>
      <source>Saved {}</source>
      <translation>已保存 {}</translation>
    </message>
    <message>
      <source>Cannot export</source>
      <translation>无法导出</translation>
    </message>
    <message>
      <source>{} will appear here.</source>
      <translation>{}将显示在这里。</translation>
    </message>
    <message>
      <source>device</source>
      <translation>设备</translation>
    </message>
    <message>
      <source>{} problems</source>
      <translation>{} 个问题</translation>
    </message>
    <message>
      <source>Edit code</source>
      <translation>编辑代码</translation>
    </message>
    <message>
      <source>{} contains Custom Layer code. Run it only if you trust where the file came from.

Trust this file and run its code?</source>
      <translation>{} 包含自定义层代码。只有在信任文件来源时才运行它。

信任此文件并运行其代码吗？</translation>
    </message>
    <message>
      <source>Could not open {}:
{}</source>
      <translation>无法打开 {}：
{}</translation>
    </message>
    <message>
      <source>Could not save {}:
{}</source>
      <translation>无法保存 {}：
{}</translation>
    </message>
    <message>
      <source>Autosave failed: {}</source>
      <translation>自动保存失败：{}</translation>
    </message>
    <message>
      <source>Export…</source>
      <translation>导出…</translation>
    </message>
    <message>
      <source>Target</source>
      <translation>目标</translation>
    </message>
    <message>
      <source>Fix the problems to export.</source>
      <translation>请先修复问题再导出。</translation>
    </message>
    <message>
      <source>Cannot export yet</source>
      <translation>暂时无法导出</translation>
    </message>
    <message>
      <source>Custom Layer code</source>
      <translation>自定义层代码</translation>
    </message>
    <message>
      <source>A keras.layers.Layer subclass: __init__, build and call. Inputs come from call's arguments.</source>
      <translation>一个 keras.layers.Layer 子类：__init__、build 和 call。输入来自 call 的参数。</translation>
    </message>
    <message>
      <source>Examples</source>
      <translation>示例</translation>
    </message>
    <message>
      <source>No examples found in {}</source>
      <translation>在 {} 中没有找到示例</translation>
    </message>
    <message>
      <source>label</source>
      <translation>标签</translation>
    </message>
    <message>
      <source>block class</source>
      <translation>模块类</translation>
    </message>
    <message>
      <source>share weights</source>
      <translation>共享权重</translation>
    </message>
    <message>
      <source>share weights with other instances</source>
      <translation>与其他实例共享权重</translation>
    </message>
    <message>
      <source>Select a node to see its parameters.</source>
      <translation>选择一个节点以查看其参数。</translation>
    </message>
    <message>
      <source>Enter block</source>
      <translation>进入模块</translation>
    </message>
    <message>
      <source>Unpack</source>
      <translation>拆开</translation>
    </message>
    <message>
      <source>Duplicate as new definition</source>
      <translation>复制为新定义</translation>
    </message>
    <message>
      <source>Edit code…</source>
      <translation>编辑代码…</translation>
    </message>
    <message>
      <source>source</source>
      <translation>源代码</translation>
    </message>
    <message>
      <source>Parameters: {}</source>
      <translation>参数：{}</translation>
    </message>
    <message>
      <source>unknown</source>
      <translation>未知</translation>
    </message>
    <message>
      <source>Advanced ({})</source>
      <translation>高级（{}）</translation>
    </message>
    <message>
      <source>Model parameters: {}</source>
      <translation>模型参数：{}</translation>
    </message>
    <message>
      <source>Search layers…</source>
      <translation>搜索层…</translation>
    </message>
    <message>
      <source>Drag onto the canvas or double-click to add</source>
      <translation>拖到画布上或双击添加</translation>
    </message>
    <message>
      <source>Where</source>
      <translation>位置</translation>
    </message>
    <message>
      <source>Node</source>
      <translation>节点</translation>
    </message>
    <message>
      <source>Problem</source>
      <translation>问题</translation>
    </message>
    <message>
      <source>Settings</source>
      <translation>设置</translation>
    </message>
    <message>
      <source>Dark</source>
      <translation>深色</translation>
    </message>
    <message>
      <source>Light</source>
      <translation>浅色</translation>
    </message>
    <message>
      <source>System</source>
      <translation>跟随系统</translation>
    </message>
    <message>
      <source>Larger fonts and thicker wires for a projector</source>
      <translation>为投影仪使用更大的字体和更粗的连线</translation>
    </message>
    <message>
      <source>Snap nodes to the grid</source>
      <translation>节点吸附到网格</translation>
    </message>
    <message>
      <source>Theme</source>
      <translation>主题</translation>
    </message>
    <message>
      <source>Language</source>
      <translation>语言</translation>
    </message>
    <message>
      <source>A new language applies the next time Strata starts.</source>
      <translation>新语言将在下次启动 Strata 时生效。</translation>
    </message>
    <message>
      <source>Grid</source>
      <translation>网格</translation>
    </message>
    <message>
      <source>Layer (type)</source>
      <translation>层（类型）</translation>
    </message>
    <message>
      <source>Output Shape</source>
      <translation>输出形状</translation>
    </message>
    <message>
      <source>Param #</source>
      <translation>参数数量</translation>
    </message>
    <message>
      <source>Total params: {}</source>
      <translation>参数总数：{}</translation>
    </message>
    <message>
      <source>Trainable params: {}</source>
      <translation>可训练参数：{}</translation>
    </message>
    <message>
      <source>Non-trainable params: {}</source>
      <translation>不可训练参数：{}</translation>
    </message>
    <message>
      <source>Core</source>
      <translation>核心</translation>
    </message>
    <message>
      <source>Convolution</source>
      <translation>卷积</translation>
    </message>
    <message>
      <source>Pooling</source>
      <translation>池化</translation>
    </message>
    <message>
      <source>Recurrent</source>
      <translation>循环</translation>
    </message>
    <message>
      <source>Normalization</source>
      <translation>归一化</translation>
    </message>
    <message>
      <source>Regularization</source>
      <translation>正则化</translation>
    </message>
    <message>
      <source>Preprocessing</source>
      <translation>预处理</translation>
    </message>
    <message>
      <source>Reshaping</source>
      <translation>形状变换</translation>
    </message>
    <message>
      <source>Merging</source>
      <translation>合并</translation>
    </message>
    <message>
      <source>Activation</source>
      <translation>激活</translation>
    </message>
    <message>
      <source>Custom</source>
      <translation>自定义</translation>
    </message>
    <message>
      <source>Blocks</source>
      <translation>模块</translation>
    </message>
    <message>
      <source>Inputs and outputs</source>
      <translation>输入与输出</translation>
    </message>
    <message>
      <source>Losses</source>
      <translation>损失</translation>
    </message>
    <message>
      <source>Training</source>
      <translation>训练</translation>
    </message>
    <message>
      <source>Data</source>
      <translation>数据</translation>
    </message>
    <message>
      <source>Runs</source>
      <translation>运行记录</translation>
    </message>
    <message>
      <source>Attention</source>
      <translation>注意力</translation>
    </message>
    <message>
      <source>About Strata</source>
      <translation>关于 Strata</translation>
    </message>
    <message>
      <source>Runs on its own Keras-compatible engine (numpy and numba).</source>
      <translation>运行在自带的 Keras 兼容引擎上（numpy 和 numba）。</translation>
    </message>
    <message>
      <source>Build neural networks by wiring layer nodes on a canvas, train them live and export them as Python.</source>
      <translation>在画布上连接层节点构建神经网络，实时训练，并导出为 Python 代码。</translation>
    </message>
    <message>
      <source>Preparing kernels…</source>
      <translation>正在准备计算内核…</translation>
    </message>
    <message>
      <source>Compiling the numerical kernels once so the first training step is fast. You can work meanwhile.</source>
      <translation>正在一次性编译数值计算内核，让第一次训练更快。编译期间可以照常使用。</translation>
    </message>
    <message>
      <source>Preparing kernels {}/{}</source>
      <translation>正在准备计算内核 {}/{}</translation>
    </message>
    <message>
      <source>Preparing kernels failed: {}. Training still works but its first steps will be slower.</source>
      <translation>准备计算内核失败：{}。训练仍可进行，但最初几步会较慢。</translation>
    </message>
    <message>
      <source>Welcome to Strata</source>
      <translation>欢迎使用 Strata</translation>
    </message>
    <message>
      <source>Build a neural network by wiring layers, train it, export it as Python. Start from an example or a blank canvas.</source>
      <translation>连接各层来构建神经网络，训练它，并导出为 Python 代码。可以从示例或空白画布开始。</translation>
    </message>
    <message>
      <source>New project</source>
      <translation>新建项目</translation>
    </message>
    <message>
      <source>Show this screen when Strata starts</source>
      <translation>启动 Strata 时显示此页面</translation>
    </message>
    <message>
      <source>Recent files</source>
      <translation>最近的文件</translation>
    </message>
    <message>
      <source>No recent files yet.</source>
      <translation>还没有最近的文件。</translation>
    </message>
    <message>
      <source>Welcome…</source>
      <translation>欢迎页…</translation>
    </message>
    <message>
      <source>&amp;Help</source>
      <translation>帮助(&amp;H)</translation>
    </message>
    <message>
      <source>Off</source>
      <translation>关闭</translation>
    </message>
    <message>
      <source>Default device</source>
      <translation>默认设备</translation>
    </message>
    <message>
      <source>Autosave every</source>
      <translation>自动保存间隔</translation>
    </message>
    <message>
      <source>min</source>
      <translation>分钟</translation>
    </message>
    <message>
      <source>CUDA is not available: {}</source>
      <translation>CUDA 不可用：{}</translation>
    </message>
    <message>
      <source>With weights</source>
      <translation>含权重</translation>
    </message>
    <message>
      <source>Export also writes the trained weights beside the code (NAME.weights.h5, Keras 3 format), and the code loads them.</source>
      <translation>导出时同时在代码旁写入训练好的权重（NAME.weights.h5，Keras 3 格式），代码会加载它们。</translation>
    </message>
    <message>
      <source>Exporting…</source>
      <translation>正在导出…</translation>
    </message>
    <message>
      <source>Exported {}</source>
      <translation>已导出 {}</translation>
    </message>
    <message>
      <source>{} (from {})</source>
      <translation>{}（来自 {}）</translation>
    </message>
    <message>
      <source>Importing {}…</source>
      <translation>正在导入 {}…</translation>
    </message>
    <message>
      <source>Opening {}…</source>
      <translation>正在打开 {}…</translation>
    </message>
    <message>
      <source>Imported {}</source>
      <translation>已导入 {}</translation>
    </message>
    <message>
      <source>Opened {}</source>
      <translation>已打开 {}</translation>
    </message>
    <message>
      <source>Opening {} cancelled</source>
      <translation>已取消打开 {}</translation>
    </message>
  </context>
</TS>
